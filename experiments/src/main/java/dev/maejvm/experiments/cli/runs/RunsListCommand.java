package dev.maejvm.experiments.cli.runs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mae runs list [DIR]}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the runs whose journals are under DIR.")
public final class RunsListCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "runs", description = "Folder to search. Default: ${DEFAULT-VALUE}.")
    Path root;

    @Override
    public Integer call() {
        if (!Files.exists(root)) {
            throw new IllegalArgumentException(root + ": no such folder");
        }
        System.out.printf("%-32s  %-9s  %-8s  %6s  %-10s  %s%n", "run id", "kind", "status", "step", "loss", "folder");
        for (Path j : RunSummary.journals(root)) {
            RunSummary s = RunSummary.of(j);
            Double loss = s.lastMetrics().getOrDefault("loss", s.lastMetrics().get("train_loss"));
            System.out.printf("%-32s  %-9s  %-8s  %6d  %-10s  %s%n", s.runId(), s.kind(), s.status(), s.lastStep(),
                    loss == null ? "-" : String.format("%.4f", loss), j.getParent());
        }
        return 0;
    }
}
