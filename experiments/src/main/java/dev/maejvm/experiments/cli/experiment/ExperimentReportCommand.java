package dev.maejvm.experiments.cli.experiment;

import dev.maejvm.experiments.report.PointResult;
import dev.maejvm.experiments.report.ResultReader;
import dev.maejvm.experiments.report.ResultsPlots;
import dev.maejvm.experiments.report.ResultsTable;
import dev.maejvm.experiments.spec.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Report an experiment from what its runs recorded (point.json, stage.json, run journals, kNN "
            + "results): OUT/report/results.md and results.csv (one row per setting, mean ± std over seeds) and a "
            + "plot per axis, OUT/report/<axis>.png.", "Works on a half-finished experiment: missing stages are listed."})
public final class ExperimentReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "The experiment spec (YAML) that was run.")
    Path specFile;

    @Option(names = "--out", description = "The experiment's folder. Default: runs/experiments/<the spec's name>.")
    Path out;

    @Override
    public Integer call() throws Exception {
        ExperimentSpec spec = ExperimentSpec.load(specFile);
        Path dir = ExperimentFolder.of(spec, out);
        List<String> names = spec.points().stream().map(dev.maejvm.experiments.spec.ExperimentPoint::name).toList();
        List<PointResult> points = ResultReader.read(dir, names);
        ResultReader.read(dir).stream().filter(p -> !names.contains(p.name())).forEach(p -> System.err.println(
                "mae experiment report: " + dir.resolve(p.name()) + " is not a point of the spec now; left out"));
        if (points.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no points recorded yet (run ./mae experiment run " + specFile + ")");
        }
        ResultsTable table = ResultsTable.of(points);
        Path report = dir.resolve("report");
        Files.createDirectories(report);
        String md = "# " + spec.name() + "\n\n" + (spec.description().isEmpty() ? "" : spec.description() + "\n\n")
                + table.markdown() + "\n";
        Files.writeString(report.resolve("results.md"), md);
        Files.writeString(report.resolve("results.csv"), table.csv());
        List<Path> plots = ResultsPlots.write(table, report);
        System.out.print(md);
        System.err.printf("mae experiment report: %s, %s, %d plot%s in %s%n", "results.md", "results.csv", plots.size(),
                plots.size() == 1 ? "" : "s", report);
        return 0;
    }
}
