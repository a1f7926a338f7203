package dev.maejvm.pretrain.bench;

import dev.maejvm.pretrain.optim.AdamW;
import dev.maejvm.pretrain.optim.AdamWConfig;
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
 * float32, as the training loop runs them.
 */
public final class StepBenchmark {

    /** What one measurement found. */
    public record Result(String preset, int batch, double maskRatio, int steps, double medianStepS, double bestStepS,
                         double imagesPerS, double gflopPerS, double peakRssMib) {}

    private StepBenchmark() {}

    public static Result run(String presetName, int batch, double maskRatio, int warmup, int steps) {
        MaeConfig cfg = MaeConfig.preset(presetName);
        MaskedAutoencoder mae = MaskedAutoencoder.create(cfg, DataType.FLOAT, 0);
        AdamW opt = new AdamW(mae.params(), AdamWConfig.MAE_PRETRAIN);
        int size = cfg.encoder().imgSize();
        INDArray imgs = Nd4j.rand(DataType.FLOAT, batch, cfg.encoder().inChans(), size, size);
        SplittableRandom rng = new SplittableRandom(1);
        double[] times = new double[steps];
        for (int i = -warmup; i < steps; i++) {
            long t0 = System.nanoTime();
            Masking masking = mae.randomMasking(batch, maskRatio, rng);
            mae.params().zeroGrads();
            mae.forward(imgs, masking);
            mae.backward();
            opt.update(1e-4);
            if (i >= 0) {
                times[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[steps / 2];
        double imagesPerS = batch / median;
        double gflops = FlopCount.trainPerImage(cfg, maskRatio) * imagesPerS / 1e9;
        return new Result(presetName, batch, maskRatio, steps, median, sorted[0], imagesPerS, gflops,
                PeakMemory.peakRssMib());
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf("gemm peak %.1f GFLOP/s%n", GemmPeak.measure(1024, 5));
        for (double r : new double[] {0.75, 0.0}) {
            System.out.println(run("tiny", 128, r, 2, steps));
        }
    }
}
