package dev.maejvm.pretrain.bench;

import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.model.FlopCount;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times full pretraining steps (forward, backward, AdamW update) of a preset on random images,
 * float32, as the training loop runs them, and the phases of the step: where the time goes
 * (the encoder shrinks with the mask ratio, the decoder does not).
 */
public final class StepBenchmark {

    /** What one measurement found. */
    public record Result(String preset, int batch, double maskRatio, int steps, double medianStepS, double bestStepS,
                         double imagesPerS, double gflopPerS, double peakRssMib, Phases phases) {}

    /**
     * Median milliseconds of each phase of a step: drawing the mask and zeroing the gradients,
     * the encoder's and the decoder's forward and backward, the loss (forward and backward), the
     * AdamW update. Medians of separate phases need not add up to the median step.
     */
    public record Phases(double masking, double encoderForward, double decoderForward, double loss,
                         double decoderBackward, double encoderBackward, double optimizer) {
        private static final int COUNT = 7;

        static Phases medians(double[][] ms) {
            double[] m = new double[COUNT];
            for (int p = 0; p < COUNT; p++) {
                m[p] = median(ms[p]);
            }
            return new Phases(m[0], m[1], m[2], m[3], m[4], m[5], m[6]);
        }

        public double encoder() {
            return encoderForward + encoderBackward;
        }

        public double decoder() {
            return decoderForward + decoderBackward;
        }
    }

    private StepBenchmark() {}

    public static Result run(String presetName, int batch, double maskRatio, int warmup, int steps) {
        return run(presetName, MaeConfig.preset(presetName), batch, maskRatio, warmup, steps);
    }

    /** The same for a variant of the preset (e.g. the encoder with mask tokens); {@code presetName} labels the result. */
    public static Result run(String presetName, MaeConfig cfg, int batch, double maskRatio, int warmup, int steps) {
        MaskedAutoencoder mae = MaskedAutoencoder.create(cfg, DataType.FLOAT, 0);
        AdamW opt = new AdamW(mae.params(), AdamWConfig.MAE_PRETRAIN);
        int size = cfg.encoder().imgSize();
        INDArray imgs = Nd4j.rand(DataType.FLOAT, batch, cfg.encoder().inChans(), size, size);
        SplittableRandom rng = new SplittableRandom(1);
        double[] times = new double[steps];
        double[][] phaseMs = new double[Phases.COUNT][steps];
        long[] mark = new long[Phases.COUNT + 1];
        for (int i = -warmup; i < steps; i++) {
            mark[0] = System.nanoTime();
            Masking masking = mae.randomMasking(batch, maskRatio, rng);
            mae.params().zeroGrads();
            mark[1] = System.nanoTime();
            dev.maejvm.vit.engine.Ctx ctx = dev.maejvm.vit.engine.Ctx.train(0, i);
            INDArray latent = mae.forwardEncoder(imgs, masking, ctx);
            mark[2] = System.nanoTime();
            INDArray pred = mae.forwardDecoder(latent, masking, true, ctx);      // as the training loop
            mark[3] = System.nanoTime();
            mae.forwardLoss(imgs, pred, masking);
            INDArray dPred = mae.backwardLoss();
            mark[4] = System.nanoTime();
            INDArray dLatent = mae.backwardDecoder(dPred);
            mark[5] = System.nanoTime();
            mae.backwardEncoder(dLatent);
            mark[6] = System.nanoTime();
            opt.update(1e-4);
            mark[7] = System.nanoTime();
            if (i >= 0) {
                times[i] = (mark[Phases.COUNT] - mark[0]) / 1e9;
                for (int p = 0; p < Phases.COUNT; p++) {
                    phaseMs[p][i] = (mark[p + 1] - mark[p]) / 1e6;
                }
            }
        }
        double median = median(times);
        double best = Arrays.stream(times).min().orElseThrow();
        double imagesPerS = batch / median;
        double gflops = FlopCount.trainPerImage(cfg, maskRatio) * imagesPerS / 1e9;
        return new Result(presetName, batch, maskRatio, steps, median, best, imagesPerS, gflops,
                PeakMemory.peakRssMib(), Phases.medians(phaseMs));
    }

    /** The upper median (the middle value of an odd count). */
    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf("gemm peak %.1f GFLOP/s%n", GemmPeak.measure(1024, 5));
        for (double r : new double[] {0.75, 0.0}) {
            System.out.println(run("tiny", 128, r, 2, steps));
        }
    }
}
