package dev.maejvm.experiments.cli.finetune;

import static dev.maejvm.experiments.cli.ConfigOverrides.put;

import dev.maejvm.experiments.cli.ConfigOverrides;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Fine-tuning's hyper-parameters as options, each null unless given (so a resumed run tells what
 * the user asked for from what its checkpoint says). Defaults: the official {@code main_finetune.py}.
 */
public final class FinetuneOptions {
    @Option(names = "--epochs", description = "Epochs. Default: 100.")
    Integer epochs;

    @Option(names = "--max-steps", description = "Stop after this many optimiser steps (the schedule then spans them). Default: none.")
    Long maxSteps;

    @Option(names = "--batch-size", description = "Images per iteration. Default: 128.")
    Integer batchSize;

    @Option(names = "--accum-iter", description = "Iterations per optimiser step. Default: 1.")
    Integer accumIter;

    @Option(names = "--blr", description = "Base learning rate: lr = blr * effective batch / 256. Default: 1e-3.")
    Double blr;

    @Option(names = "--lr", description = "Absolute learning rate (overrides --blr).")
    Double lr;

    @Option(names = "--min-lr", description = "Floor of the cosine schedule. Default: 1e-6.")
    Double minLr;

    @Option(names = "--warmup-epochs", description = "Linear warm-up in epochs. Default: 5.")
    Double warmupEpochs;

    @Option(names = "--weight-decay", description = "AdamW weight decay (not on 1-D tensors, pos_embed, cls_token). Default: 0.05.")
    Double weightDecay;

    @Option(names = "--layer-decay", description = "Layer-wise lr decay. Default: 0.75.")
    Double layerDecay;

    @Option(names = "--drop-path", description = "Drop path rate, rising linearly over the blocks. Default: 0.1.")
    Double dropPath;

    @Option(names = "--global-pool", description = "avg: mean of the patch tokens + fc_norm; token: the cls token. Default: avg.")
    String globalPool;

    @Option(names = "--smoothing", description = "Label smoothing. Default: 0.1.")
    Double smoothing;

    @Option(names = "--mixup", description = "Mixup alpha (0: off). Default: 0.8.")
    Double mixup;

    @Option(names = "--cutmix", description = "CutMix alpha (0: off). Default: 1.0.")
    Double cutmix;

    @Option(names = "--mixup-prob", description = "Probability a batch is mixed. Default: 1.0.")
    Double mixupProb;

    @Option(names = "--mixup-switch-prob", description = "Probability of CutMix rather than mixup when both are on. Default: 0.5.")
    Double mixupSwitchProb;

    @Option(names = "--aa", description = "RandAugment, timm's spec, or none. Default: rand-m9-mstd0.5-inc1.")
    String randAugment;

    @Option(names = "--reprob", description = "Random erasing probability. Default: 0.25.")
    Double reprob;

    @Option(names = "--clip-grad", description = "Clip the global gradient norm (0 = off). Default: 0.")
    Double clipGrad;

    @Option(names = "--seed", description = "Seeds init, data order, augmentation, mixup, drop path. Default: 0.")
    Long seed;

    @Option(names = "--checkpoint-every", description = "Checkpoint every N epochs (and at the end). Default: 1.")
    Integer checkpointEvery;

    @Option(names = "--eval-every", description = "Validate every N epochs (and after the last). Default: 1.")
    Integer evalEvery;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any config key (those of config.json), e.g."
            + " --set cropScaleMin=0.35. Applied after the options above.")
    List<String> set = new ArrayList<>();

    /** What a resumed run may change: its length and cadences. */
    static final List<String> RESUMABLE_CHANGES = List.of("epochs", "maxSteps", "checkpointEvery", "evalEvery");

    /** The options given (then --set), as config keys. */
    Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "epochs", epochs);
        put(m, "maxSteps", maxSteps);
        put(m, "batchSize", batchSize);
        put(m, "accumIter", accumIter);
        put(m, "blr", blr);
        put(m, "lr", lr);
        put(m, "minLr", minLr);
        put(m, "warmupEpochs", warmupEpochs);
        put(m, "weightDecay", weightDecay);
        put(m, "layerDecay", layerDecay);
        put(m, "model.dropPathRate", dropPath);
        put(m, "globalPool", globalPool == null ? null : globalPool.toUpperCase(java.util.Locale.ROOT));
        put(m, "smoothing", smoothing);
        put(m, "mixup", mixup);
        put(m, "cutmix", cutmix);
        put(m, "mixupProb", mixupProb);
        put(m, "mixupSwitchProb", mixupSwitchProb);
        put(m, "randAugment", randAugment);
        put(m, "reprob", reprob);
        put(m, "clipGrad", clipGrad);
        put(m, "seed", seed);
        put(m, "checkpointEvery", checkpointEvery);
        put(m, "evalEvery", evalEvery);
        return ConfigOverrides.withSet(m, set);
    }
}
