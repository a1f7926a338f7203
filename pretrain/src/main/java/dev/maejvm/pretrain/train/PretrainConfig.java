package dev.maejvm.pretrain.train;


import dev.maejvm.train.LoopConfig;
import dev.maejvm.train.config.ConfigException;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.Masking;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that decides a pretraining run, with the defaults of the MAE paper and its official
 * {@code main_pretrain.py}. Validated on construction; each failure names the field. It maps to
 * dotted keys and back with {@link Configs} ({@code model.decoderDepth}, {@code model.encoder.embedDim},
 * {@code maskRatio}, ...): checkpoint metadata, tracking params, {@code --set key=value}.
 *
 * @param preset the model preset the run started from ({@link MaeConfig#PRESETS}), a label once
 *     {@code model} is given field by field
 * @param model the masked autoencoder, field by field (normPixLoss: per-patch normalised pixel targets)
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
        MaeConfig model,
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
        MaeConfig.preset(preset);                                    // a known name, or the error lists them
        if (model == null) {
            throw new IllegalArgumentException("model must be given");
        }
        if (model.encoder().imgHeight() != model.encoder().imgWidth()) {
            throw new IllegalArgumentException("model.encoder: pretraining takes square inputs (the data recipe crops"
                    + " squares), got imgHeight " + model.encoder().imgHeight() + " and imgWidth " + model.encoder().imgWidth());
        }
        int numPatches = model.encoder().numPatches();
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("maskRatio must be in [0, 1), got " + maskRatio);
        }
        if (Masking.lenKeep(numPatches, maskRatio) < 1) {
            throw new IllegalArgumentException(Masking.keepsNothing(numPatches, maskRatio));
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
        return new PretrainConfig(preset, MaeConfig.preset(preset), 0.75, 400, 0, 128, 1,
                PAPER_BLR, 0, 0, 40, 0.05, 0, 0, 20);
    }

    /**
     * The inverse of {@link #flatten()} (a checkpoint's config): unknown keys, missing keys and bad
     * values are errors naming the key. Also reads the flat keys that checkpoints of format /2
     * and /1 stored (a preset name and its normPixLoss; {@code lr} held the actual rate).
     */
    public static PretrainConfig fromFlat(Map<String, String> m) {
        if (m.containsKey("model.encoder.embedDim")) {
            Map<String, String> flat = new LinkedHashMap<>(m);
            flat.putIfAbsent("model.encoderMaskTokens", "false");   // checkpoints from before the w/ [M] encoder
            return Configs.unflatten(PretrainConfig.class, flat);
        }
        Map<String, String> legacy = new LinkedHashMap<>(m);
        String preset = legacy.remove("preset");
        if (preset == null) {
            throw new ConfigException("preset", "config key 'preset' is missing");
        }
        MaeConfig model = MaeConfig.preset(preset).withNormPixLoss(Boolean.parseBoolean(legacy.remove("normPixLoss")));
        legacy.keySet().removeIf(k -> k.startsWith("model.") || k.equals("effectiveBatch"));   // derived
        Map<String, String> flat = new PretrainConfig(preset, model, 0.75, 1, 0, 1, 1, PAPER_BLR, 0, 0, 0, 0, 0, 0, 1)
                .flatten();
        flat.putAll(legacy);
        return Configs.unflatten(PretrainConfig.class, flat);
    }

    /** Per-patch normalised pixel targets (the model's). */
    public boolean normPixLoss() {
        return model.normPixLoss();
    }

    /** The training loop's settings (the lr already scaled from blr). */
    public LoopConfig loop() {
        return new LoopConfig(epochs, maxSteps, accumIter, actualLr(), minLr, warmupEpochs, clipGrad, checkpointEvery, seed);
    }

    /** Images per optimiser step: batchSize * accumIter (one process). */
    public int effectiveBatch() {
        return batchSize * accumIter;
    }

    /** The peak learning rate: lr if given, else blr * effectiveBatch / 256 (the linear scaling rule). */
    public double actualLr() {
        return lr > 0 ? lr : blr * effectiveBatch() / 256.0;
    }

    /** The config as dotted keys ("model.encoder.embedDim" -> "192", ...): what checkpoints store. */
    public Map<String, String> flatten() {
        return Configs.flatten(this);
    }

    /** What tracking records: the config's keys and the values derived from them (effective batch, actual lr). */
    public Map<String, String> tracked() {
        Map<String, String> m = flatten();
        m.put("effectiveBatch", String.valueOf(effectiveBatch()));
        m.put("actualLr", String.valueOf(actualLr()));
        return m;
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
