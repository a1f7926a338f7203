package dev.maejvm.experiments.cli.pretrain;


import dev.maejvm.pretrain.train.PretrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The pretraining hyper-parameters as options. Each is null unless given, so that a resumed run
 * can tell what the user asked for from what the checkpoint says. Defaults: the official
 * {@code main_pretrain.py} and the paper.
 */
public final class PretrainOptions {
    @Option(names = "--preset", description = "Model preset: micro, tiny, vit-s16, vit-b16, vit-l16, vit-h14. Default: tiny.")
    String preset;

    @Option(names = "--epochs", description = "Epochs. Default: 400 (official); 1 in the Fashion-MNIST quick start.")
    Integer epochs;

    @Option(names = "--max-steps", description = "Stop after this many optimiser steps (the lr schedule then spans them). Default: none; 300 in the quick start.")
    Long maxSteps;

    @Option(names = "--batch-size", description = "Images per iteration. Default: 128.")
    Integer batchSize;

    @Option(names = "--accum-iter", description = "Iterations per optimiser step (gradient accumulation). Default: 1.")
    Integer accumIter;

    @Option(names = "--mask-ratio", description = "Share of patches removed. Default: 0.75.")
    Double maskRatio;

    @Option(names = "--norm-pix-loss", negatable = true, description = "Per-patch normalised pixel targets. Default: the preset's (off for tiny, on for the ViT presets).")
    Boolean normPixLoss;

    @Option(names = "--blr", description = "Base learning rate: lr = blr * effective batch / 256. Default: 1.5e-4.")
    Double blr;

    @Option(names = "--lr", description = "Absolute learning rate (overrides --blr). Default: from --blr.")
    Double lr;

    @Option(names = "--min-lr", description = "Floor of the cosine schedule. Default: 0.")
    Double minLr;

    @Option(names = "--warmup-epochs", description = "Linear warm-up in epochs (fractions allowed). Default: 40; 0.1 in the quick start.")
    Double warmupEpochs;

    @Option(names = "--weight-decay", description = "AdamW weight decay (not on biases, norms, tokens). Default: 0.05.")
    Double weightDecay;

    @Option(names = "--clip-grad", description = "Clip the global gradient norm (0 = off). Default: 0.")
    Double clipGrad;

    @Option(names = "--seed", description = "Seeds init, data order, augmentation and masking. Default: 0.")
    Long seed;

    @Option(names = "--checkpoint-every", description = "Checkpoint every N epochs (and always at the end). Default: 20.")
    Integer checkpointEvery;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any config key, e.g. --set model.decoderDepth=2"
            + " --set model.encoder.embedDim=256 (repeatable; the keys are those of config.json). Applied after the options above.")
    List<String> set = new ArrayList<>();

    /** The quick start's budget when no --data is given: short enough for a first run. */
    static PretrainConfig quickStart(PretrainConfig c) {
        return new PretrainConfig(c.preset(), c.model(), c.maskRatio(), 1, 300, c.batchSize(), c.accumIter(),
                c.blr(), c.lr(), c.minLr(), 0.1, c.weightDecay(), c.clipGrad(), c.seed(), c.checkpointEvery());
    }

    /** The options the user gave (then the --set assignments), as flattened config keys. */
    Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "preset", preset);
        put(m, "epochs", epochs);
        put(m, "maxSteps", maxSteps);
        put(m, "batchSize", batchSize);
        put(m, "accumIter", accumIter);
        put(m, "maskRatio", maskRatio);
        put(m, "model.normPixLoss", normPixLoss);
        put(m, "blr", blr);
        put(m, "lr", lr);
        put(m, "minLr", minLr);
        put(m, "warmupEpochs", warmupEpochs);
        put(m, "weightDecay", weightDecay);
        put(m, "clipGrad", clipGrad);
        put(m, "seed", seed);
        put(m, "checkpointEvery", checkpointEvery);
        return dev.maejvm.experiments.cli.ConfigOverrides.withSet(m, set);
    }

    /** What a resumed run may change: its length. Everything else must match the checkpoint. */
    static final List<String> RESUMABLE_CHANGES = List.of("epochs", "maxSteps", "checkpointEvery");

    /**
     * A new run: the preset's official defaults (the quick-start budget when {@code quickStart}),
     * then the given options.
     */
    PretrainConfig fresh(boolean quickStartBudget) {
        PretrainConfig base = PretrainConfig.defaults(preset != null ? preset : "tiny");
        if (quickStartBudget) {
            base = quickStart(base);
        }
        return dev.maejvm.train.config.Configs.with(base, given());
    }

    /**
     * A resumed run: the checkpoint's config, with only its length changeable; any other given
     * option that differs is an error naming it.
     */
    PretrainConfig resumed(Map<String, String> checkpointConfig) {
        PretrainConfig saved = PretrainConfig.fromFlat(checkpointConfig);          // also a checkpoint of format /2 or /1
        Map<String, String> given = given();
        dev.maejvm.train.config.Configs.with(saved, given);                         // unknown keys, bad values: named
        Map<String, String> flat = dev.maejvm.experiments.cli.ConfigOverrides.resumed(saved.flatten(), given, RESUMABLE_CHANGES);
        return PretrainConfig.fromFlat(flat);
    }

    private static void put(Map<String, String> m, String k, Object v) {
        if (v != null) {
            m.put(k, String.valueOf(v));
        }
    }
}
