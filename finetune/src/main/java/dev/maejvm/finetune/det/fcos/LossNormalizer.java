package dev.maejvm.finetune.det.fcos;

/**
 * detectron2's loss normaliser for dense detectors ({@code DenseDetector._ema_update}): an
 * exponential moving average of {@code max(1, positives)} over the training steps,
 * {@code n_t = momentum n_{t-1} + (1 - momentum) max(1, positives_t)}, starting from
 * {@code initial} (300 for FCOS, momentum 0.9), "to stabilize the normalizer" when a device
 * holds few images. The losses' default is the step's own {@code max(1, positives)}
 * ({@link FcosTargets#normalizer()}); pass {@link #update}'s value to their explicit-normaliser
 * overloads to follow detectron2 instead. The state is a trainer's: checkpoint {@link #value()}.
 */
public final class LossNormalizer {
    private final double momentum;
    private double value;

    /**
     * @param initial the value before the first update, > 0
     * @param momentum in [0, 1)
     */
    public LossNormalizer(double initial, double momentum) {
        if (!(initial > 0) || Double.isInfinite(initial)) {
            throw new IllegalArgumentException("initial must be finite and > 0, got " + initial);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.value = initial;
        this.momentum = momentum;
    }

    /** detectron2's FCOS: initial 300, momentum 0.9. */
    public static LossNormalizer detectron2() {
        return new LossNormalizer(300, 0.9);
    }

    /** Folds in a step's positive count; returns the new normaliser. */
    public double update(int numPositives) {
        if (numPositives < 0) {
            throw new IllegalArgumentException("numPositives must be >= 0, got " + numPositives);
        }
        value = momentum * value + (1 - momentum) * Math.max(1, numPositives);
        return value;
    }

    public double value() {
        return value;
    }
}
