package dev.maejvm.finetune.probe;

import dev.maejvm.train.LoopConfig;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.ViTConfig;
import java.util.Map;

/**
 * Everything that decides a linear probe, with the defaults of the official
 * {@code main_linprobe.py}: the frozen encoder's cls token (or the mean of its patch tokens after
 * its final norm: no untrained {@code fc_norm} on the path), BatchNorm without affine (eps 1e-6)
 * and a linear head (init std 0.01), LARS (momentum 0.9, trust 0.001), blr 0.1, no weight decay,
 * 90 epochs with 10 of warm-up, cosine. Each failure names the field.
 *
 * @param preset the encoder's preset label
 * @param pretrained the weights file of the encoder
 * @param model the encoder
 * @param globalPool {@code TOKEN} (official) or {@code AVG} (mean of the normed patch tokens)
 * @param numClasses the head's outputs
 * @param batchSize features per iteration (official: 16384 over 32 GPUs; lr follows blr * batch / 256)
 */
public record LinprobeConfig(
        String preset,
        String pretrained,
        ViTConfig model,
        GlobalPool globalPool,
        int numClasses,
        int epochs,
        long maxSteps,
        int batchSize,
        double blr,
        double lr,
        double minLr,
        double warmupEpochs,
        double weightDecay,
        long seed,
        int checkpointEvery,
        int evalEvery) {

    public LinprobeConfig {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("preset must be given");
        }
        if (pretrained == null || pretrained.isBlank()) {
            throw new IllegalArgumentException("pretrained must name the encoder's weights (a probe of a random encoder"
                    + " measures nothing)");
        }
        if (model == null || globalPool == null) {
            throw new IllegalArgumentException("model and globalPool must be given");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        if (epochs < 1 || batchSize < 2 || checkpointEvery < 1 || evalEvery < 1) {
            throw new IllegalArgumentException("epochs, checkpointEvery and evalEvery must be >= 1 and batchSize >= 2 (BatchNorm),"
                    + " got " + epochs + ", " + checkpointEvery + ", " + evalEvery + ", " + batchSize);
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        if (!(blr > 0)) {
            throw new IllegalArgumentException("blr must be positive, got " + blr);
        }
        if (!(lr >= 0) || !(minLr >= 0) || !(warmupEpochs >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("lr, minLr, warmupEpochs and weightDecay must be >= 0, got " + lr + ", " + minLr
                    + ", " + warmupEpochs + ", " + weightDecay);
        }
    }

    /** The official recipe with a batch of 4096 cached features (official: 16384; LARS steps are relative to the weights, so the lr, blr * batch / 256, must stay large). */
    public static LinprobeConfig defaults(String preset, String pretrained, ViTConfig model, int numClasses) {
        return new LinprobeConfig(preset, pretrained, model.withDropPathRate(0).withPosEmbed(ViTConfig.PosEmbedKind.LEARNED),
                GlobalPool.TOKEN, numClasses, 90, 0, 4096, 0.1, 0, 0, 10, 0, 0, 10, 10);
    }

    public static LinprobeConfig fromFlat(Map<String, String> flat) {
        return Configs.unflatten(LinprobeConfig.class, flat);
    }

    public double actualLr() {
        return lr > 0 ? lr : blr * batchSize / 256.0;
    }

    public LoopConfig loop() {
        return new LoopConfig(epochs, maxSteps, 1, actualLr(), minLr, warmupEpochs, 0, checkpointEvery, seed);
    }

    public Map<String, String> flatten() {
        return Configs.flatten(this);
    }

    public Map<String, String> tracked() {
        Map<String, String> m = flatten();
        m.put("actualLr", String.valueOf(actualLr()));
        return m;
    }
}
