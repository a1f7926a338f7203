package dev.maejvm.vit.engine;

import java.util.SplittableRandom;

/**
 * What a forward pass is for, passed to every layer's forward: training (keep what backward
 * needs; drop path and dropout draw from {@code rng}) or evaluation (deterministic, nothing kept
 * for a backward). The random source is an argument, never a global: a trainer seeds it from
 * (seed, iteration), so a resumed run draws the same numbers.
 *
 * @param training true for a forward that a backward will follow
 * @param rng the random source of this pass (null in evaluation, where nothing is drawn)
 */
public record Ctx(boolean training, SplittableRandom rng) {
    private static final Ctx EVAL = new Ctx(false, null);

    public Ctx {
        if (training && rng == null) {
            throw new IllegalArgumentException("a training pass needs a random source");
        }
    }

    /** A training pass drawing from {@code rng}. */
    public static Ctx train(SplittableRandom rng) {
        return new Ctx(true, rng);
    }

    /**
     * A training pass whose random numbers are a function of (seed, iteration) only (resume
     * replays them); a stream of its own, apart from a task's (MAE's masking noise).
     */
    public static Ctx train(long seed, long iteration) {
        return train(new SplittableRandom((seed ^ LAYER_STREAM) * 0x9E3779B97F4A7C15L + iteration));
    }

    /** Mixed into the seed so that the layers' draws are not the masking's. */
    private static final long LAYER_STREAM = 0x2545F4914F6CDD1DL;

    /** An evaluation pass. */
    public static Ctx eval() {
        return EVAL;
    }
}
