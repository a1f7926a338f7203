package dev.maejvm.experiments.cli.bench;

import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.bench.DetectionStepBenchmark;
import dev.maejvm.pretrain.bench.GemmPeak;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mae bench detect [preset]}: one detection training step (ViTDet backbone with windowed
 * attention, simple feature pyramid, FCOS head and losses, backward, AdamW) at a given input size
 * and batch: images/s, GFLOP/s against the measured gemm peak, peak resident memory.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Time one detection training step (ViTDet + FCOS, forward, backward, AdamW) against the gemm peak.")
public final class DetectBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", defaultValue = "tiny", description = "Model preset (its encoder).")
    String preset;

    @Option(names = "--input-size", defaultValue = "64", description = "Input side in pixels.")
    int input;

    @Option(names = "--batch-size", defaultValue = "16", description = "Images per step.")
    int batch;

    @Option(names = "--classes", defaultValue = "10", description = "Object classes.")
    int classes;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps (the median is reported).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first.")
    int warmup;

    @Override
    public Integer call() {
        if (batch < 1 || steps < 1 || warmup < 0 || classes < 1) {
            throw new IllegalArgumentException("need --batch-size, --steps, --classes >= 1 and --warmup >= 0");
        }
        System.out.println(Machine.describe());
        double peak = GemmPeak.measure(1024, 5);
        System.out.printf("gemm peak (float32 1024^3 into a preallocated result, best over 0.5 s): %.1f GFLOP/s%n", peak);
        DetectionStepBenchmark bench = new DetectionStepBenchmark(preset, input, batch, classes);
        DetectConfig c = bench.config();
        System.out.printf("detection step: %s encoder at %dx%d (%dx%d tokens, %d-d x %d blocks, windows %d, global blocks %s),"
                        + " pyramid strides %s x %d channels, FCOS head %d convs, %d classes, batch %d, %d timed steps after %d%n",
                preset, input, input, c.model().gridHeight(), c.model().gridWidth(), c.model().embedDim(), c.model().depth(),
                c.windowSize(), c.globalBlocks(), c.strides(), c.channels(), c.headConvs(), classes, batch, steps, warmup);
        DetectionStepBenchmark.Result r = bench.measure(warmup, steps);
        System.out.printf("mae-jvm: %.2f img/s, step median %.3f s (best %.3f s), %.1f GFLOP/image trained, %.1f GFLOP/s (%.1f %% of"
                        + " peak), peak RSS %.0f MiB, loss %.3f%n", r.imagesPerS(), r.medianStepS(), r.bestStepS(),
                r.flopsPerImage() / 1e9, r.gflopPerS(), 100 * r.gflopPerS() / peak, r.peakRssMib(), r.loss());
        return 0;
    }
}
