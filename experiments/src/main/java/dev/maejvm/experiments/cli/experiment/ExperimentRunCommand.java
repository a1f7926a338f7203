package dev.maejvm.experiments.cli.experiment;

import dev.maejvm.experiments.cli.MaeCommand;
import dev.maejvm.experiments.spec.ExperimentPoint;
import dev.maejvm.experiments.spec.ExperimentSpec;
import dev.maejvm.experiments.spec.SpecStage;
import dev.maejvm.experiments.sweep.ComputeEstimate;
import dev.maejvm.experiments.sweep.ExperimentRunner;
import dev.maejvm.experiments.sweep.StageInvocation;
import dev.maejvm.experiments.sweep.StageStatus;
import dev.maejvm.experiments.tracking.DeliverySettings;
import dev.maejvm.experiments.tracking.Sweep;
import dev.maejvm.experiments.tracking.TrackingConfig;
import dev.maejvm.experiments.tracking.TrackingOptions;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.events.RunStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run every point of an experiment spec: each point's stages (pretrain, finetune, linprobe, knn) as "
            + "the ./mae commands of those names, in OUT/<point>/<stage>/.",
            "Run it again to go on: finished stages are skipped, a half-finished one resumes from its checkpoint. "
            + "A failed stage is recorded and the other points go on (exit code 1 at the end).",
            "Tracked as one parent run (kind sweep) with a child run per stage, nested under it in MLflow."})
public final class ExperimentRunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "The experiment spec (YAML).")
    Path specFile;

    @Option(names = "--out", description = "Output folder. Default: runs/experiments/<the spec's name>.")
    Path out;

    @Option(names = "--dry-run", description = "Print the points, each stage's command and the estimated compute; run nothing.")
    boolean dryRun;

    @Option(names = "--gflops", defaultValue = "120", description = "Sustained GFLOP/s the estimate assumes: the 2-core "
            + "AMD EPYC of docs/PERFORMANCE.md trains the tiny preset at 120-190 when alone (AVX-512 kernels); "
            + "a loaded or older machine is slower. Default: ${DEFAULT-VALUE}.")
    double gflops;

    @Mixin
    TrackingOptions tracking;

    @Override
    public Integer call() throws Exception {
        ExperimentSpec spec = ExperimentSpec.load(specFile);
        Path dir = ExperimentFolder.of(spec, out);
        List<String> childTracking = childTracking(tracking.config());
        if (dryRun) {
            printPlan(spec, dir, childTracking);
            return 0;
        }
        String resumed = ExperimentFolder.parentRunId(dir);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("spec", spec.name());
        params.put("points", Integer.toString(spec.points().size()));
        params.put("stages", String.join(",", spec.stages().stream().map(SpecStage::id).toList()));
        spec.axes().forEach(a -> params.put("axis." + a.name(), String.join(",", a.values())));
        params.put("seeds", spec.seeds().toString());
        try (Sweep sweep = Sweep.start(tracking.config(), DeliverySettings.DEFAULT, "experiment-" + spec.name(), params, dir,
                resumed)) {
            ExperimentFolder.record(dir, spec, sweep.parentRunId());
            System.err.printf("mae experiment: %s, %d points, into %s%s%n", spec.name(), spec.points().size(), dir,
                    resumed != null ? " (going on with run " + resumed + ")" : "");
            ExperimentRunner runner = new ExperimentRunner(spec, dir, args -> MaeCommand.newCommandLine().execute(
                    args.toArray(String[]::new)), childTracking, System.err);
            ExperimentRunner.Outcome o = runner.run(sweep.parentRunId());
            System.err.printf("mae experiment: %s: %d stages ran, %d finished before, %d failed%n", spec.name(), o.ran(),
                    o.skipped(), o.failed());
            o.failures().forEach(f -> System.err.println("  failed: " + f));
            sweep.end(o.failed() == 0 ? RunStatus.FINISHED : RunStatus.FAILED,
                    o.failed() == 0 ? "" : o.failed() + " stages failed");
            return o.failed() == 0 ? 0 : 1;
        }
    }

    /** The tracking options a stage's command gets: the same server and experiment. */
    private static List<String> childTracking(TrackingConfig c) {
        List<String> a = new ArrayList<>();
        if (c.trackingUri() != null) {
            a.addAll(List.of("--tracking-uri", c.trackingUri()));
        }
        if (c.experimentName() != null) {
            a.addAll(List.of("--experiment-name", c.experimentName()));
        }
        return a;
    }

    private void printPlan(ExperimentSpec spec, Path dir, List<String> childTracking) {
        ExperimentRunner runner = new ExperimentRunner(spec, dir, args -> 0, childTracking, System.out);
        Map<String, Map<SpecStage, Path>> layout = runner.layout();
        java.util.Set<Path> counted = new java.util.HashSet<>();
        double total = 0;
        System.out.printf("experiment %s: %d points x %d stages (%s), into %s%n", spec.name(), spec.points().size(),
                spec.stages().size(), String.join(", ", spec.stages().stream().map(SpecStage::id).toList()), dir);
        for (ExperimentPoint p : spec.points()) {
            System.out.println(p.name() + "  " + p.values());
            PretrainConfig pretrain = null;
            for (SpecStage s : spec.stages()) {
                Map<String, String> settings = p.settings(s);
                Record cfg = s.resolve(settings, pretrain);
                if (s == SpecStage.PRETRAIN) {
                    pretrain = (PretrainConfig) cfg;
                }
                Path stageDir = layout.get(p.name()).get(s);
                StageStatus st = StageStatus.read(stageDir);
                boolean shared = !counted.add(stageDir);
                double gflop = ComputeEstimate.flops(s, cfg, settings, pretrain) / 1e9;
                if (!shared && (st == null || !st.finished())) {
                    total += gflop;
                }
                String state = shared ? "shared with an earlier point" : st == null ? String.format("%.1f GFLOP, ~%s",
                        gflop, duration(gflop / gflops)) : st.status() + (st.finished() ? "" : String.format(", %.1f GFLOP to go at most", gflop));
                List<String> args = runner.args(p, s, layout.get(p.name()), "<parent>");
                System.out.printf("  %-8s %s%n           ./mae %s%n", s.id(), state, String.join(" ", args));
            }
        }
        System.out.printf("estimated compute left: %.0f GFLOP, ~%s at %.0f GFLOP/s (matrix products only; a busy machine is slower)%n",
                total, duration(total / gflops), gflops);
    }

    private static String duration(double seconds) {
        return seconds < 3600 ? String.format("%.0f min", seconds / 60) : String.format("%.1f h", seconds / 3600);
    }
}
