package dev.maejvm.experiments.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.experiments.cli.DataParallel;
import dev.maejvm.pretrain.bench.AllreduceBenchmark;
import dev.maejvm.pretrain.bench.DataParallelStepBenchmark;
import dev.maejvm.vit.engine.KernelPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mae bench allreduce}: what data-parallel training costs in communication, run under
 * mpirun (alone it measures one process: the step without an allreduce). The gradient
 * allreduce of each preset's parameter count, and the pretraining step of one preset at a global
 * batch split over the ranks. Rank 0 prints; docs/DISTRIBUTED.md has the figures and the
 * projection to more nodes.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Measure data-parallel training under mpirun: the gradient allreduce of each preset's parameter count,"
            + " and the pretraining step at a global batch split over the ranks.",
            "e.g. mpirun -np 2 -x MAE_JAVA_OPTS=-XX:ActiveProcessorCount=1 ./mae bench allreduce"})
public final class AllreduceBenchCommand implements Callable<Integer> {
    @Option(names = "--presets", split = ",", defaultValue = "tiny,vit-b16",
            description = "Presets whose MAE parameter count is allreduced.")
    List<String> presets;

    @Option(names = "--rounds", defaultValue = "10", description = "Timed allreduces per preset (after 2 untimed).")
    int rounds;

    @Option(names = "--step-preset", defaultValue = "tiny", description = "Preset of the timed step ('none': no step).")
    String stepPreset;

    @Option(names = "--batch-size", defaultValue = "64", description = "The step's global batch.")
    int batchSize;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps (after 2 untimed).")
    int steps;

    @Option(names = "--out", description = "Also write the results as JSON here (rank 0).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || steps < 1) {
            throw new IllegalArgumentException("--rounds and --steps must be >= 1, got " + rounds + " and " + steps);
        }
        DataParallel job = DataParallel.open();
        job.requireBatch(batchSize, "--batch-size");
        boolean root = job.root();
        if (root) {
            System.out.printf("%d rank%s (%s), %d compute thread%s a rank%n", job.group().size(),
                    job.group().size() == 1 ? "" : "s", job.group().describe(), KernelPool.threads(),
                    KernelPool.threads() == 1 ? "" : "s");
        }
        List<Object> results = new ArrayList<>();
        for (String preset : job.distributed() ? presets : List.<String>of()) {
            AllreduceBenchmark.Result r = AllreduceBenchmark.run(job.group(), preset, 2, rounds);
            results.add(r);
            if (root) {
                System.out.printf("allreduce %-8s %,12d floats (%7.1f MB): median %8.2f ms, best %8.2f ms, %6.2f GB/s"
                        + " (bus %6.2f GB/s)%n", preset, r.parameters(), r.parameters() * 4 / 1e6, r.medianS() * 1e3,
                        r.bestS() * 1e3, r.algorithmGBps(), r.busGBps());
            }
        }
        if (root && !job.distributed()) {
            System.out.println("one process: no allreduce to time (start it under mpirun -np N)");
        }
        if (!"none".equals(stepPreset)) {
            DataParallelStepBenchmark.Result s = DataParallelStepBenchmark.run(job.group(), stepPreset, batchSize, 0.75, 2, steps);
            results.add(s);
            if (root) {
                System.out.printf("step %s, global batch %d over %d rank%s: median %.3f s (allreduce %.1f ms), %.1f img/s%n",
                        stepPreset, batchSize, s.ranks(), s.ranks() == 1 ? "" : "s", s.medianStepS(),
                        s.medianAllreduceS() * 1e3, s.imagesPerS());
            }
        }
        if (root && out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("ranks", job.group().size());
            json.put("threadsPerRank", KernelPool.threads());
            json.put("results", results);
            Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        }
        return 0;
    }
}
