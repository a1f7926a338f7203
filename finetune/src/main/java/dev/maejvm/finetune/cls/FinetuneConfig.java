package dev.maejvm.finetune.cls;

import dev.maejvm.train.LoopConfig;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.ViTConfig;
import java.util.Map;

/**
 * Everything that decides a fine-tuning run, with the defaults of the official
 * {@code main_finetune.py} and its recipes. Validated on construction; each failure names the
 * field. Maps to dotted keys and back with {@link Configs} ({@code model.dropPathRate},
 * {@code layerDecay}, ...): checkpoint metadata, tracking params, {@code --set key=value}.
 *
 * @param preset the preset the encoder came from (a label once {@code model} is given field by field)
 * @param pretrained the weights it started from (a file), or empty: from random initialisation
 * @param model the encoder (drop path rate 0.1; the position table learned, loaded from the pretrained one)
 * @param globalPool {@code AVG}: mean of the patch tokens + {@code fc_norm} (official default); {@code TOKEN}: cls token
 * @param numClasses the head's outputs
 * @param epochs training length (official: 100 for ViT-B)
 * @param maxSteps stop after this many optimiser steps (0: no limit); the schedule then spans them
 * @param batchSize images per iteration
 * @param accumIter iterations per optimiser step
 * @param blr base lr: lr = blr * effective batch / 256 (1e-3)
 * @param lr absolute lr; overrides blr when > 0
 * @param minLr the cosine schedule's floor (1e-6)
 * @param warmupEpochs linear warm-up (5)
 * @param weightDecay AdamW's, not on 1-D tensors, pos_embed, cls_token (0.05)
 * @param layerDecay layer-wise lr decay (0.75): block i trains at layerDecay^(depth - i) of the head's lr
 * @param clipGrad clip the global gradient norm (0: off, as the official recipe)
 * @param smoothing label smoothing (0.1)
 * @param mixup mixup's Beta alpha (0.8; 0: off)
 * @param cutmix cutmix's Beta alpha (1.0; 0: off)
 * @param mixupProb probability that a batch is mixed (1.0)
 * @param mixupSwitchProb probability of cutmix rather than mixup when both are on (0.5)
 * @param randAugment timm's RandAugment spec ({@code rand-m9-mstd0.5-inc1}) or {@code none}
 * @param reprob random erasing probability (0.25, pixel mode)
 * @param cropScaleMin random resized crop's smallest area share (0.08, timm's)
 * @param evalCropPct the evaluation resize: shorter side to size / evalCropPct, then a centre crop (0.875 = 224/256)
 * @param seed seeds initialisation, data order, augmentation, mixup and drop path
 * @param checkpointEvery a checkpoint every this many epochs, and always at the end
 * @param evalEvery validation every this many epochs, and after the last
 */
public record FinetuneConfig(
        String preset,
        String pretrained,
        ViTConfig model,
        GlobalPool globalPool,
        int numClasses,
        int epochs,
        long maxSteps,
        int batchSize,
        int accumIter,
        double blr,
        double lr,
        double minLr,
        double warmupEpochs,
        double weightDecay,
        double layerDecay,
        double clipGrad,
        double smoothing,
        double mixup,
        double cutmix,
        double mixupProb,
        double mixupSwitchProb,
        String randAugment,
        double reprob,
        double cropScaleMin,
        double evalCropPct,
        long seed,
        int checkpointEvery,
        int evalEvery) {

    public FinetuneConfig {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("preset must be given");
        }
        if (pretrained == null) {
            pretrained = "";
        }
        if (model == null) {
            throw new IllegalArgumentException("model must be given");
        }
        if (model.imgHeight() != model.imgWidth()) {
            throw new IllegalArgumentException("model: fine-tuning's data recipe crops squares, got imgHeight "
                    + model.imgHeight() + " and imgWidth " + model.imgWidth());
        }
        if (globalPool == null) {
            throw new IllegalArgumentException("globalPool must be AVG or TOKEN");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        positive("epochs", epochs);
        positive("batchSize", batchSize);
        positive("accumIter", accumIter);
        positive("checkpointEvery", checkpointEvery);
        positive("evalEvery", evalEvery);
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        atLeastZero("lr", lr);
        atLeastZero("minLr", minLr);
        atLeastZero("warmupEpochs", warmupEpochs);
        atLeastZero("weightDecay", weightDecay);
        atLeastZero("clipGrad", clipGrad);
        atLeastZero("mixup", mixup);
        atLeastZero("cutmix", cutmix);
        if (!(blr > 0)) {
            throw new IllegalArgumentException("blr must be positive, got " + blr);
        }
        if (!(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("layerDecay must be in (0, 1], got " + layerDecay);
        }
        unit("smoothing", smoothing, false);
        unit("mixupProb", mixupProb, true);
        unit("mixupSwitchProb", mixupSwitchProb, true);
        unit("reprob", reprob, true);
        if (!(cropScaleMin > 0 && cropScaleMin <= 1)) {
            throw new IllegalArgumentException("cropScaleMin must be in (0, 1], got " + cropScaleMin);
        }
        if (!(evalCropPct > 0 && evalCropPct <= 1)) {
            throw new IllegalArgumentException("evalCropPct must be in (0, 1], got " + evalCropPct);
        }
        RandAugmentSpec.parse(randAugment);                 // names the field when malformed
    }

    /** The official recipe for a model and its preset label: pretrained from a file, or from scratch when null. */
    public static FinetuneConfig defaults(String preset, String pretrained, ViTConfig model, int numClasses) {
        return new FinetuneConfig(preset, pretrained, model.withDropPathRate(0.1).withPosEmbed(ViTConfig.PosEmbedKind.LEARNED),
                GlobalPool.AVG, numClasses, 100, 0, 128, 1, 1e-3, 0, 1e-6, 5, 0.05, 0.75, 0, 0.1, 0.8, 1.0, 1.0, 0.5,
                RandAugmentSpec.MAE_FINETUNE, 0.25, 0.08, 0.875, 0, 1, 1);
    }

    /** The inverse of {@link #flatten()}; unknown or missing keys and bad values name the key. */
    public static FinetuneConfig fromFlat(Map<String, String> flat) {
        return Configs.unflatten(FinetuneConfig.class, flat);
    }

    public boolean fromScratch() {
        return pretrained.isEmpty();
    }

    /** Whether batches are mixed (mixup or cutmix on, with a non-zero probability). */
    public boolean mixes() {
        return (mixup > 0 || cutmix > 0) && mixupProb > 0;
    }

    public int effectiveBatch() {
        return batchSize * accumIter;
    }

    /** lr if given, else blr * effective batch / 256. */
    public double actualLr() {
        return lr > 0 ? lr : blr * effectiveBatch() / 256.0;
    }

    public LoopConfig loop() {
        return new LoopConfig(epochs, maxSteps, accumIter, actualLr(), minLr, warmupEpochs, clipGrad, checkpointEvery, seed);
    }

    public Map<String, String> flatten() {
        return Configs.flatten(this);
    }

    /** The config's keys and what is derived from them (effective batch, actual lr). */
    public Map<String, String> tracked() {
        Map<String, String> m = flatten();
        m.put("effectiveBatch", String.valueOf(effectiveBatch()));
        m.put("actualLr", String.valueOf(actualLr()));
        return m;
    }

    private static void positive(String field, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + v);
        }
    }

    private static void atLeastZero(String field, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + v);
        }
    }

    private static void unit(String field, double v, boolean closed) {
        if (!(v >= 0 && (closed ? v <= 1 : v < 1))) {
            throw new IllegalArgumentException(field + " must be in [0, 1" + (closed ? "]" : ")") + ", got " + v);
        }
    }
}
