package dev.maejvm.experiments.cli.runs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mae runs show RUN}: a run's params, last metrics and artifacts. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a run: its folder (or journal), or its run id under --root.")
public final class RunsShowCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "A run folder, a run.jsonl, or a run id.")
    String run;

    @Option(names = "--root", defaultValue = "runs", description = "Where to look for a run id. Default: ${DEFAULT-VALUE}.")
    Path root;

    @Override
    public Integer call() {
        Path p = Path.of(run);
        Path journal;
        if (Files.isDirectory(p)) {
            journal = p.resolve(dev.maejvm.experiments.tracking.RunJournal.FILE_NAME);
        } else if (Files.isRegularFile(p)) {
            journal = p;
        } else {
            journal = Files.exists(root) ? RunSummary.journals(root).stream()
                    .filter(j -> run.equals(RunSummary.of(j).runId())).findFirst().orElse(null) : null;
        }
        if (journal == null || !Files.isRegularFile(journal)) {
            throw new IllegalArgumentException("no run '" + run + "' (a run folder, a run.jsonl, or a run id under " + root + ")");
        }
        RunSummary s = RunSummary.of(journal);
        System.out.printf("run %s (%s, %s) %s, last step %d%n", s.runId(), s.kind(), s.name(), s.status(), s.lastStep());
        System.out.println("params:");
        s.params().forEach((k, v) -> System.out.printf("  %-24s %s%n", k, v));
        System.out.println("last metrics:");
        s.lastMetrics().forEach((k, v) -> System.out.printf("  %-24s %.6g%n", k, v));
        System.out.println("artifacts:");
        s.artifacts().forEach(a -> System.out.printf("  %-16s %s%n", a.artifactDir().isEmpty() ? "." : a.artifactDir(), a.path()));
        Path png = journal.resolveSibling("loss.png");
        if (Files.exists(png)) {
            System.out.println("loss curves: " + png);
        }
        return 0;
    }
}
