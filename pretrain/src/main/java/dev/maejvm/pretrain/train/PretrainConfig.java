package dev.maejvm.pretrain.train;

import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.Masking;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that decides a pretraining run, with the defaults of the MAE paper and its official
 * {@code main_pretrain.py}. Validated on construction; each failure names the field.
 *
 * @param preset model preset name ({@link MaeConfig#PRESETS})
 * @param normPixLoss per-patch normalised pixel targets
 * @param maskRatio share of patches removed, in [0, 1) (0.75)
 * @param epochs training length in epochs
 * @param maxSteps stop after this many optimiser steps (0: no limit); the schedule then spans maxSteps
 * @param batchSize images per iteration
 * @param accumIter iterations per optimiser step (gradient accumulation)
 * @param blr base learning rate; the actual one is blr * effective batch / 256 (1.5e-4)
 * @param lr absolute learning rate; overrides blr when > 0
 * @param minLr floor of the cosine schedule (0)
 * @param warmupEpochs linear warm-up length in epochs (40 in the official code)
 * @param weightDecay AdamW decoupled weight decay (0.05)
 * @param clipGrad clip the global gradient norm to this (0: off, as the official pretraining)
 * @param seed seeds initialisation, data order, augmentation and masking
 * @param checkpointEvery write a checkpoint every this many epochs, and always at the end (20)
 */
public record PretrainConfig(
        String preset,
        boolean normPixLoss,
        double maskRatio,
        int epochs,
        long maxSteps,
        int batchSize,
        int accumIter,
        double blr,
        double lr,
        double minLr,
        double warmupEpochs,
        double weightDecay,
        double clipGrad,
        long seed,
        int checkpointEvery) {

    public static final double PAPER_BLR = 1.5e-4;

    public PretrainConfig {
        int numPatches = MaeConfig.preset(preset).encoder().numPatches();
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("maskRatio must be in [0, 1), got " + maskRatio);
        }
        if (Masking.lenKeep(numPatches, maskRatio) < 1) {
            throw new IllegalArgumentException(Masking.keepsNothing(numPatches, maskRatio) + " for preset " + preset);
        }
        positive("epochs", epochs);
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        positive("batchSize", batchSize);
        positive("accumIter", accumIter);
        positive("checkpointEvery", checkpointEvery);
        if (!(blr > 0)) {
            throw new IllegalArgumentException("blr must be positive, got " + blr);
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("lr must be >= 0 (0 = from blr), got " + lr);
        }
        if (!(minLr >= 0)) {
            throw new IllegalArgumentException("minLr must be >= 0, got " + minLr);
        }
        if (!(warmupEpochs >= 0)) {
            throw new IllegalArgumentException("warmupEpochs must be >= 0, got " + warmupEpochs);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
        if (!(clipGrad >= 0)) {
            throw new IllegalArgumentException("clipGrad must be >= 0 (0 = off), got " + clipGrad);
        }
    }

    /** The official defaults for a preset (budget: 400 epochs, 40 warm-up). */
    public static PretrainConfig defaults(String preset) {
        return new PretrainConfig(preset, MaeConfig.preset(preset).normPixLoss(), 0.75, 400, 0, 128, 1,
                PAPER_BLR, 0, 0, 40, 0.05, 0, 0, 20);
    }

    /** The inverse of {@link #flatten()} (a checkpoint's config); a missing or bad field is named. */
    public static PretrainConfig fromFlat(Map<String, String> m) {
        return new PretrainConfig(field(m, "preset"), Boolean.parseBoolean(field(m, "normPixLoss")),
                Double.parseDouble(field(m, "maskRatio")), Integer.parseInt(field(m, "epochs")),
                Long.parseLong(field(m, "maxSteps")), Integer.parseInt(field(m, "batchSize")),
                Integer.parseInt(field(m, "accumIter")), Double.parseDouble(field(m, "blr")),
                Double.parseDouble(field(m, "lr")), Double.parseDouble(field(m, "minLr")),
                Double.parseDouble(field(m, "warmupEpochs")), Double.parseDouble(field(m, "weightDecay")),
                Double.parseDouble(field(m, "clipGrad")), Long.parseLong(field(m, "seed")),
                Integer.parseInt(field(m, "checkpointEvery")));
    }

    private static String field(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("config field " + key + " is missing");
        }
        return v;
    }

    public MaeConfig model() {
        return MaeConfig.preset(preset).withNormPixLoss(normPixLoss);
    }

    /** Images per optimiser step: batchSize * accumIter (one process). */
    public int effectiveBatch() {
        return batchSize * accumIter;
    }

    /** The peak learning rate: lr if given, else blr * effectiveBatch / 256 (the linear scaling rule). */
    public double actualLr() {
        return lr > 0 ? lr : blr * effectiveBatch() / 256.0;
    }

    /** Flattened for tracking and checkpoints ("model.embedDim" -> "192", ...). */
    public Map<String, String> flatten() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preset", preset);
        m.put("normPixLoss", String.valueOf(normPixLoss));
        m.put("maskRatio", String.valueOf(maskRatio));
        m.put("epochs", String.valueOf(epochs));
        m.put("maxSteps", String.valueOf(maxSteps));
        m.put("batchSize", String.valueOf(batchSize));
        m.put("accumIter", String.valueOf(accumIter));
        m.put("effectiveBatch", String.valueOf(effectiveBatch()));
        m.put("blr", String.valueOf(blr));
        m.put("lr", String.valueOf(actualLr()));
        m.put("minLr", String.valueOf(minLr));
        m.put("warmupEpochs", String.valueOf(warmupEpochs));
        m.put("weightDecay", String.valueOf(weightDecay));
        m.put("clipGrad", String.valueOf(clipGrad));
        m.put("seed", String.valueOf(seed));
        m.put("checkpointEvery", String.valueOf(checkpointEvery));
        var enc = model().encoder();
        m.put("model.imgSize", String.valueOf(enc.imgSize()));
        m.put("model.patchSize", String.valueOf(enc.patchSize()));
        m.put("model.inChans", String.valueOf(enc.inChans()));
        m.put("model.embedDim", String.valueOf(enc.embedDim()));
        m.put("model.depth", String.valueOf(enc.depth()));
        m.put("model.numHeads", String.valueOf(enc.numHeads()));
        m.put("model.mlpRatio", String.valueOf(enc.mlpRatio()));
        m.put("model.decoderEmbedDim", String.valueOf(model().decoderEmbedDim()));
        m.put("model.decoderDepth", String.valueOf(model().decoderDepth()));
        m.put("model.decoderNumHeads", String.valueOf(model().decoderNumHeads()));
        return m;
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
