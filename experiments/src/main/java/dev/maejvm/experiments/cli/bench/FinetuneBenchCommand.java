package dev.maejvm.experiments.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.finetune.bench.FinetuneStepBenchmark;
import dev.maejvm.pretrain.bench.GemmPeak;
import dev.maejvm.vit.model.ViTConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mae bench finetune [preset]}: the fine-tuning step (forward, backward, AdamW update) of a
 * preset's encoder as a classifier ({@link FinetuneStepBenchmark}) and, where Debian's
 * python3-torch is installed, PyTorch's same classifier step, alternated in one run: ours, then
 * PyTorch's, {@code --rounds} times, both models built once and kept warm (PyTorch's in a child
 * process that measures on request), so that each ratio compares the two under the same load.
 * Prints images/s, GFLOP/s against the gemm peak, peak resident memory and the ratios.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Time the fine-tuning step (ViT classifier, batch 128) against the gemm peak and PyTorch, alternating.")
public final class FinetuneBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "torch_finetune_bench.py";

    @Parameters(index = "0", arity = "0..1", defaultValue = "tiny", description = "Model preset (its encoder).")
    String preset;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per step.")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps per measurement (the median is reported).")
    int steps;

    @Option(names = "--warmup", defaultValue = "25",
            description = "Untimed steps before the first measurement, ours and PyTorch's alike (the JIT's last compilations).")
    int warmup;

    @Option(names = "--rewarm", defaultValue = "3",
            description = "Untimed steps before each later measurement (caches after the other side ran).")
    int rewarm;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternations of ours and PyTorch's measurement.")
    int rounds;

    @Option(names = "--classes", defaultValue = "10", description = "Classes of the head.")
    int classes;

    @Option(names = "--drop-path", defaultValue = "0.1", description = "Drop-path rate of the last block.")
    double dropPath;

    @Option(names = "--torch", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Also run the PyTorch reference (needs /usr/bin/python3 with torch).")
    boolean torch;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with Debian's torch (apt-get install python3-torch libopenblas0-pthread).")
    String python;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || steps < 1 || warmup < 0 || rewarm < 0 || rounds < 1 || classes < 1) {
            throw new IllegalArgumentException("need --batch-size, --steps, --rounds, --classes >= 1 and --warmup, --rewarm >= 0");
        }
        ViTConfig cfg = FinetuneStepBenchmark.config(preset, dropPath);              // an unknown preset: a usage error
        System.out.println(Machine.describe());
        double peak = GemmPeak.measure(1024, 5);
        System.out.printf("gemm peak (float32 1024^3 into a preallocated result, best over 0.5 s): %.1f GFLOP/s%n", peak);
        System.out.printf("fine-tuning step: %s encoder (%dx%dx%d, patch %d, %d-d x %d blocks x %d heads), avg pool + fc_norm"
                        + " + head (%d classes), drop path %.2f, label smoothing %.1f, AdamW over layer decay %.2f, batch %d,"
                        + " %d timed steps after %d (first) / %d (later) untimed%n%n",
                preset, cfg.imgHeight(), cfg.imgWidth(), cfg.inChans(), cfg.patchSize(), cfg.embedDim(), cfg.depth(),
                cfg.numHeads(), classes, dropPath, FinetuneStepBenchmark.LABEL_SMOOTHING, FinetuneStepBenchmark.LAYER_DECAY,
                batch, steps, warmup, rewarm);
        try (TorchSide py = torch ? TorchSide.start(python, cfg, classes, dropPath, batch) : null) {
            FinetuneStepBenchmark ours = new FinetuneStepBenchmark(preset, batch, classes, dropPath);
            double flops = ours.flopsPerImage();
            List<FinetuneStepBenchmark.Result> mine = new ArrayList<>();
            List<JsonNode> theirs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                int w = r == 0 ? warmup : rewarm;
                FinetuneStepBenchmark.Result o = ours.measure(w, steps);
                mine.add(o);
                print("round " + (r + 1) + " mae-jvm", o.imagesPerS(), o.gflopPerS(), peak, o.peakRssMib(), o.medianStepS(),
                        o.bestStepS());
                FinetuneStepBenchmark.Phases ph = o.phases();
                System.out.printf("  phases (median ms): forward %.0f  loss %.1f  backward %.0f  AdamW %.1f  zeroing %.1f%n",
                        ph.forward(), ph.loss(), ph.backward(), ph.optimizer(), ph.zeroing());
                JsonNode j = py == null ? null : py.measure(w, steps);
                if (j != null) {
                    theirs.add(j);
                    double ips = j.get("img_per_s").asDouble();
                    print("round " + (r + 1) + " pytorch " + j.path("torch").asText(), ips, flops * ips / 1e9, peak,
                            j.get("peak_rss_mb").asDouble(), j.get("step_s_median").asDouble(), j.get("step_s_best").asDouble());
                    System.out.printf("  mae-jvm / pytorch: %.2fx%n", o.imagesPerS() / ips);
                }
            }
            summarise(mine, theirs, peak);
        }
        return 0;
    }

    private void summarise(List<FinetuneStepBenchmark.Result> mine, List<JsonNode> theirs, double peak) {
        double[] ours = mine.stream().mapToDouble(FinetuneStepBenchmark.Result::imagesPerS).toArray();
        double lastRss = mine.get(mine.size() - 1).peakRssMib();
        System.out.printf("%nmae-jvm: %s img/s over %d rounds (median %.1f, %.1f GFLOP/s, %.1f %% of peak), peak RSS %.0f MiB%n",
                range(ours), ours.length, median(ours), median(mine.stream().mapToDouble(FinetuneStepBenchmark.Result::gflopPerS)
                        .toArray()), 100 * median(mine.stream().mapToDouble(FinetuneStepBenchmark.Result::gflopPerS).toArray()) / peak,
                lastRss);
        if (theirs.isEmpty()) {
            return;
        }
        double[] torchIps = theirs.stream().mapToDouble(j -> j.get("img_per_s").asDouble()).toArray();
        double[] ratios = new double[theirs.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = ours[i] / torchIps[i];
        }
        double torchRss = theirs.get(theirs.size() - 1).get("peak_rss_mb").asDouble();
        System.out.printf("pytorch: %s img/s (median %.1f), peak RSS %.0f MiB%n", range(torchIps), median(torchIps), torchRss);
        System.out.printf("mae-jvm / pytorch, round by round: %s (median %.2fx); peak RSS ratio %.2f%n",
                Arrays.stream(ratios).mapToObj(x -> String.format("%.2fx", x)).toList(), median(ratios), lastRss / torchRss);
    }

    private static String range(double[] v) {
        return String.format("%.1f-%.1f", Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static void print(String impl, double ips, double gflops, double peak, double rss, double median, double best) {
        System.out.printf("%-24s %7.1f img/s  %6.1f GFLOP/s (%4.1f %% of peak)  step median %.3f s best %.3f s  peak RSS %6.0f MiB%n",
                impl, ips, gflops, 100 * gflops / peak, median, best, rss);
    }

    /** PyTorch's classifier in a child process that measures on each request ({@code --serve}). */
    private static final class TorchSide implements AutoCloseable {
        private final Process process;
        private final Path dir;
        private final BufferedReader out;
        private final PrintWriter in;

        private TorchSide(Process process, Path dir) {
            this.process = process;
            this.dir = dir;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        /** @return the started side, ready to measure, or null (with the reason printed) where it cannot run */
        static TorchSide start(String python, ViTConfig cfg, int classes, double dropPath, int batch) throws IOException {
            if (cfg.imgHeight() != cfg.imgWidth()) {
                System.out.println("PyTorch reference: square inputs only; skipped");
                return null;
            }
            Path dir = Files.createTempDirectory("mae-torch-bench");
            Path script = dir.resolve(SCRIPT);
            try (InputStream res = FinetuneBenchCommand.class.getResourceAsStream("/bench/" + SCRIPT)) {
                if (res == null) {
                    System.out.println("PyTorch reference: " + SCRIPT + " not packaged; skipped");
                    return null;
                }
                Files.copy(res, script);
            }
            ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--serve",
                    "--img-size", String.valueOf(cfg.imgHeight()), "--patch-size", String.valueOf(cfg.patchSize()),
                    "--in-chans", String.valueOf(cfg.inChans()), "--embed-dim", String.valueOf(cfg.embedDim()),
                    "--depth", String.valueOf(cfg.depth()), "--num-heads", String.valueOf(cfg.numHeads()),
                    "--mlp-ratio", String.valueOf(cfg.mlpRatio()), "--num-classes", String.valueOf(classes),
                    "--drop-path", String.valueOf(dropPath), "--smoothing", String.valueOf(FinetuneStepBenchmark.LABEL_SMOOTHING),
                    "--layer-decay", String.valueOf(FinetuneStepBenchmark.LAYER_DECAY), "--batch", String.valueOf(batch));
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            // PyTorch's OpenBLAS gets the same thread timeout and kernels as ours (inherited; removed when ours has none)
            if (System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
                pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
            }
            pb.redirectErrorStream(true);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                System.out.println("PyTorch reference: cannot run " + python + " (" + e.getMessage() + "); skipped");
                deleteDir(dir);
                return null;
            }
            TorchSide side = new TorchSide(p, dir);
            if (side.next() == null) {
                side.close();
                return null;
            }
            return side;
        }

        /** One measurement: warmup untimed steps, then steps timed. @return its JSON line, or null if the process ended */
        JsonNode measure(int warmup, int steps) throws IOException {
            in.println("measure " + warmup + " " + steps);
            return next();
        }

        /** The next JSON line of the process; other lines are shown (errors), and null where it ended. */
        private JsonNode next() throws IOException {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    JsonNode j = JSON.readTree(line);
                    if (j.has("error")) {
                        throw new IllegalStateException("PyTorch reference: " + j.get("error").asText());
                    }
                    return j;
                }
                if (line.contains("No module named 'torch'")) {
                    System.out.println("PyTorch reference: no torch for this Python (apt-get install python3-torch); skipped");
                } else {
                    System.out.println("PyTorch reference: " + line);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            in.println("quit");
            in.close();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroy();
                }
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
            }
            deleteDir(dir);
        }

        private static void deleteDir(Path dir) throws IOException {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
