package dev.maejvm.experiments.cli.bench;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.pretrain.bench.GemmPeak;
import dev.maejvm.pretrain.bench.StepBenchmark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures, in one run: the machine's gemm peak, full pretraining steps (forward, backward,
 * AdamW) at 75 % and 0 % masking and, at 75 %, with the encoder on every patch (the paper's
 * "encoder w/ [M]", Table 2's wall-time comparison), and — where Debian's python3-torch is
 * installed — the same model trained by PyTorch at 75 % and 0 %, run after ours on the same machine. Prints images/s, GFLOP/s
 * and its fraction of the gemm peak, peak resident memory, and the ratios.
 */
@Command(name = "model", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Time the MAE pretraining step against the gemm peak and PyTorch.")
public final class ModelBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--preset", defaultValue = "tiny", description = "Model preset.")
    String preset;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per step.")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps per measurement (the median is reported).")
    int steps;

    // The JVM reaches its steady speed only after ~25 steps (the JIT's last compilations): at 75 %
    // masking, steps 3-20 took ~600 ms and steps 26-90 ~565 (tiny preset, 2 cores, one run). With
    // 3 warm-up steps the 75 % figure, measured first, caught part of that, the 0 % one none.
    @Option(names = "--warmup", defaultValue = "25",
            description = "Untimed steps before each measurement, ours and PyTorch's alike.")
    int warmup;

    @Option(names = "--torch", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Also run the PyTorch reference (needs /usr/bin/python3 with torch).")
    boolean torch;

    @Option(names = "--mask-tokens", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Also time the 75 %% step with the encoder on every patch, removed ones as the mask token"
                    + " (model.encoderMaskTokens: the paper's \"encoder w/ [M]\").")
    boolean maskTokens;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with Debian's torch (apt-get install python3-torch libopenblas0-pthread: without OpenBLAS, "
                    + "Debian's torch uses the reference BLAS and runs ~20x slower).")
    String python;

    @Override
    public Integer call() throws Exception {
        System.out.println(Machine.describe());
        double peak = GemmPeak.measure(1024, 5);
        System.out.printf("gemm peak (float32 1024^3 into a preallocated result, best over 0.5 s): %.1f GFLOP/s%n%n", peak);
        List<StepBenchmark.Result> ours = new ArrayList<>();
        for (double ratio : new double[] {0.75, 0.0}) {
            StepBenchmark.Result r = StepBenchmark.run(preset, batch, ratio, warmup, steps);
            ours.add(r);
            print("mae-jvm", r.maskRatio(), r.imagesPerS(), r.gflopPerS(), peak, r.peakRssMib(), r.medianStepS(), r.bestStepS());
            StepBenchmark.Phases ph = r.phases();
            System.out.printf("  phases (median ms): encoder %.0f (fwd %.0f, bwd %.0f)  decoder %.0f (fwd %.0f, bwd %.0f)"
                            + "  loss %.1f  AdamW %.1f  masking and zeroing %.1f%n",
                    ph.encoder(), ph.encoderForward(), ph.encoderBackward(), ph.decoder(), ph.decoderForward(),
                    ph.decoderBackward(), ph.loss(), ph.optimizer(), ph.masking());
        }
        System.out.printf("mae-jvm: 75 %% step is %.2fx faster than 0 %% (FLOP ratio %.2fx)%n",
                ours.get(1).medianStepS() / ours.get(0).medianStepS(),
                dev.maejvm.vit.model.FlopCount.trainPerImage(dev.maejvm.vit.model.MaeConfig.preset(preset), 0)
                        / dev.maejvm.vit.model.FlopCount.trainPerImage(dev.maejvm.vit.model.MaeConfig.preset(preset), 0.75));
        if (maskTokens) {
            dev.maejvm.vit.model.MaeConfig withM = dev.maejvm.vit.model.MaeConfig.preset(preset).withEncoderMaskTokens(true);
            StepBenchmark.Result m = StepBenchmark.run(preset, withM, batch, 0.75, warmup, steps);
            double gflops = m.gflopPerS();
            System.out.printf("%nmae-jvm encoder w/ [M]  75 %% masking: %7.1f img/s  %6.1f GFLOP/s (%4.1f %% of peak)"
                            + "  step median %.3f s best %.3f s  peak RSS %6.0f MiB%n", m.imagesPerS(), gflops, 100 * gflops / peak,
                    m.medianStepS(), m.bestStepS(), m.peakRssMib());
            System.out.printf("mae-jvm: the visible-only encoder's step is %.2fx faster than w/ [M] (FLOP ratio %.2fx;"
                            + " the paper's Table 2: 2.8-4.1x in wall time on ViT-L/H)%n", m.medianStepS() / ours.get(0).medianStepS(),
                    dev.maejvm.vit.model.FlopCount.trainPerImage(withM, 0.75)
                            / dev.maejvm.vit.model.FlopCount.trainPerImage(dev.maejvm.vit.model.MaeConfig.preset(preset), 0.75));
        }
        if (torch) {
            runTorch(ours, peak);
        }
        System.out.printf("(peak RSS is cumulative: each figure includes every measurement before it)%n");
        return 0;
    }

    private void runTorch(List<StepBenchmark.Result> ours, double peak) throws IOException, InterruptedException {
        if (!"tiny".equals(preset)) {
            System.out.println("\nPyTorch reference: only for the tiny preset; skipped");
            return;
        }
        Path dir = Files.createTempDirectory("mae-torch-bench");
        Path script = dir.resolve("torch_mae_bench.py");
        for (String name : new String[] {"torch_mae_bench.py"}) { // self-contained: the model is inlined
            try (InputStream in = ModelBenchCommand.class.getResourceAsStream("/bench/" + name)) {
                if (in == null) {
                    System.out.println("\nPyTorch reference: " + name + " not packaged; skipped");
                    return;
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--steps", String.valueOf(steps),
                "--warmup", String.valueOf(warmup), "--batch", String.valueOf(batch));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        // PyTorch's OpenBLAS gets the same thread timeout as ours (inherited; removed when ours has none)
        if (System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
        }
        pb.redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            System.out.println("\nPyTorch reference: cannot run " + python + " (" + e.getMessage() + "); skipped");
            return;
        }
        System.out.println();
        List<JsonNode> results = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    results.add(JSON.readTree(line));
                } else if (line.contains("No module named 'torch'")) {
                    System.out.println("PyTorch reference: no torch for " + python + " (apt-get install python3-torch); skipped");
                }
            }
        }
        p.waitFor();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
        for (JsonNode j : results) {
            double ratio = j.get("mask_ratio").asDouble();
            double ips = j.get("img_per_s").asDouble();
            double gflops = dev.maejvm.vit.model.FlopCount.trainPerImage(dev.maejvm.vit.model.MaeConfig.preset(preset), ratio)
                    * ips / 1e9;
            print("pytorch " + j.path("torch").asText(), ratio, ips, gflops, peak, j.get("peak_rss_mb").asDouble(),
                    j.get("step_s_median").asDouble(), j.path("step_s_best").asDouble(Double.NaN));
            ours.stream().filter(o -> o.maskRatio() == ratio).findFirst().ifPresent(o ->
                    System.out.printf("  mae-jvm / pytorch throughput at %.0f %% masking: %.2fx%n", ratio * 100, o.imagesPerS() / ips));
        }
    }

    private static void print(String impl, double ratio, double ips, double gflops, double peak, double rss,
                              double median, double best) {
        System.out.printf("%-16s mask %3.0f %%: %7.1f img/s  %6.1f GFLOP/s (%4.1f %% of peak)  step median %.3f s best %.3f s  peak RSS %6.0f MiB%n",
                impl, ratio * 100, ips, gflops, 100 * gflops / peak, median, best, rss);
    }
}
