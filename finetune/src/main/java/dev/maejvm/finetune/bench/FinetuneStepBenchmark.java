package dev.maejvm.finetune.bench;

import dev.maejvm.pretrain.bench.PeakMemory;
import dev.maejvm.finetune.cls.SoftTargetCrossEntropy;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.train.optim.ParamGroups;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.FlopCount;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times full fine-tuning steps of a preset's encoder as a classifier, float32, on random images
 * and labels, as MAE's fine-tuning runs them: {@link ViTClassifier} with global average pooling,
 * {@code fc_norm} and a head, a learned position table, drop path; the forward on all patches in
 * training mode, soft-target cross-entropy on label-smoothed targets, the backward, and AdamW
 * (betas 0.9, 0.999, weight decay 0.05) over layer-wise lr decay groups. The model is built once
 * and measured as often as asked ({@link #measure}), so a caller can alternate it with another
 * implementation in one run.
 */
public final class FinetuneStepBenchmark {
    public static final int DEFAULT_CLASSES = 10;
    public static final double DEFAULT_DROP_PATH = 0.1;
    public static final double LABEL_SMOOTHING = 0.1;
    public static final double LAYER_DECAY = 0.75;
    /** torch.optim.AdamW's betas and eps, the official fine-tuning's weight decay. */
    public static final AdamWConfig ADAMW = new AdamWConfig(0.9, 0.999, 1e-8, 0.05);
    /** The official fine-tuning's lr for a batch of 256 (blr 1e-3, lr = blr * batch / 256). */
    private static final double BASE_LR = 1e-3;

    /** What one measurement found. */
    public record Result(String preset, int batch, int steps, double medianStepS, double bestStepS, double imagesPerS,
                         double gflopPerS, double peakRssMib, double loss, Phases phases) {}

    /**
     * Median milliseconds of each phase of a step: zeroing the gradients, the forward (encoder,
     * pooling, fc_norm, head), the loss with its gradient, the backward, the AdamW update.
     */
    public record Phases(double zeroing, double forward, double loss, double backward, double optimizer) {
        private static final int COUNT = 5;

        static Phases medians(double[][] ms) {
            double[] m = new double[COUNT];
            for (int p = 0; p < COUNT; p++) {
                m[p] = median(ms[p]);
            }
            return new Phases(m[0], m[1], m[2], m[3], m[4]);
        }
    }

    private final String preset;
    private final ViTConfig cfg;
    private final int batch;
    private final int numClasses;
    private final ViTClassifier model;
    private final AdamW optimizer;
    private final INDArray targets;              // [N, classes], label-smoothed
    private final INDArray dLogits;              // [N, classes]
    private final INDArray imgs;                 // [N, C, H, W]
    private final int[] labels;                  // [N]
    private final double lr;
    private long iteration;

    /**
     * @param presetName a preset of {@link MaeConfig#PRESETS}: its encoder is the classifier's
     * @param dropPath the drop-path rate of the last block (timm's linear rule over depth)
     */
    public FinetuneStepBenchmark(String presetName, int batch, int numClasses, double dropPath) {
        this.preset = presetName;
        this.cfg = config(presetName, dropPath);
        this.batch = batch;
        this.numClasses = numClasses;
        this.model = ViTClassifier.create(cfg, GlobalPool.AVG, numClasses, DataType.FLOAT, 0);
        ParamGroups groups = ParamGroups.layerDecay(cfg.depth(), LAYER_DECAY);
        groups.applyTrainable(model.params());
        this.optimizer = new AdamW(model.params(), ADAMW, groups);
        Nd4j.getRandom().setSeed(1);
        this.imgs = Nd4j.rand(DataType.FLOAT, batch, cfg.inChans(), cfg.imgHeight(), cfg.imgWidth());
        SplittableRandom rng = new SplittableRandom(2);
        this.labels = rng.ints(batch, 0, numClasses).toArray();
        this.targets = SoftTargetCrossEntropy.smoothedTargets(labels, numClasses, LABEL_SMOOTHING);
        this.dLogits = Nd4j.create(DataType.FLOAT, batch, numClasses);
        this.lr = BASE_LR * batch / 256;
    }

    /** The classifier's encoder for a preset: its ViT with a learned position table (timm's) and drop path. */
    public static ViTConfig config(String presetName, double dropPath) {
        return MaeConfig.preset(presetName).encoder().withPosEmbed(ViTConfig.PosEmbedKind.LEARNED)
                .withDropPathRate(dropPath);
    }

    public ViTConfig config() {
        return cfg;
    }

    /** FLOPs of one training step per image (matrix products, 3x the forward). */
    public double flopsPerImage() {
        return FlopCount.classifierTrainPerImage(cfg, numClasses);
    }

    /** Runs {@code warmup} untimed steps, then times {@code steps} steps. */
    public Result measure(int warmup, int steps) {
        double[] times = new double[steps];
        double[][] phaseMs = new double[Phases.COUNT][steps];
        long[] mark = new long[Phases.COUNT + 1];
        double last = Double.NaN;
        for (int i = -warmup; i < steps; i++) {
            mark[0] = System.nanoTime();
            model.params().zeroGrads();
            mark[1] = System.nanoTime();
            INDArray logits = model.forward(imgs, Ctx.train(0, iteration++));   // [N, classes]
            mark[2] = System.nanoTime();
            last = SoftTargetCrossEntropy.forward(logits, targets, dLogits);     // the product's loss, as fine-tuning's step
            mark[3] = System.nanoTime();
            model.backward(dLogits);
            mark[4] = System.nanoTime();
            optimizer.update(lr);
            mark[5] = System.nanoTime();
            if (i >= 0) {
                times[i] = (mark[Phases.COUNT] - mark[0]) / 1e9;
                for (int p = 0; p < Phases.COUNT; p++) {
                    phaseMs[p][i] = (mark[p + 1] - mark[p]) / 1e6;
                }
            }
        }
        if (!Double.isFinite(last)) {
            throw new IllegalStateException("non-finite loss " + last + " in the fine-tuning bench");
        }
        double median = median(times);
        double best = Arrays.stream(times).min().orElseThrow();
        double imagesPerS = batch / median;
        return new Result(preset, batch, steps, median, best, imagesPerS, flopsPerImage() * imagesPerS / 1e9,
                PeakMemory.peakRssMib(), last, Phases.medians(phaseMs));
    }

    /** The upper median (the middle value of an odd count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
