package dev.maejvm.experiments.cli.runs;

import dev.maejvm.experiments.tracking.TrackingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code mae runs sync DIR}: delivers what journals under DIR have not yet delivered, exactly once. */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Deliver the run journals under DIR to the MLflow server (what it has not got yet, exactly once).")
public final class RunsSyncCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "runs", description = "Folder with run journals. Default: ${DEFAULT-VALUE}.")
    Path root;

    @Mixin
    TrackingOptions tracking;

    @Override
    public Integer call() throws Exception {
        if (!tracking.enabled()) {
            throw new IllegalArgumentException("no tracking server: give --tracking-uri or set MLFLOW_TRACKING_URI");
        }
        if (!Files.exists(root)) {
            throw new IllegalArgumentException(root + ": no such folder");
        }
        var delivery = tracking.delivery();
        int failed = 0;
        for (Path j : RunSummary.journals(root)) {
            try {
                int n = delivery.deliver(j);
                System.out.printf("%s: %d records delivered%n", j.getParent(), n);
            } catch (Exception e) {
                failed++;
                System.out.printf("%s: not delivered (%s); nothing lost, run sync again%n", j.getParent(), e.getMessage());
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
