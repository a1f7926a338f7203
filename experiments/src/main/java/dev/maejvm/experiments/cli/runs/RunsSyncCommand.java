package dev.maejvm.experiments.cli.runs;

import dev.maejvm.experiments.tracking.DeliveryCursor;
import dev.maejvm.experiments.tracking.MlflowDelivery;
import dev.maejvm.experiments.tracking.TrackingConfig;
import dev.maejvm.experiments.tracking.TrackingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mae runs sync DIR}: deliver what the journals under DIR hold and the server has not got. */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = {"Deliver the run journals under DIR to the MLflow tracking server: what did not get there during",
            "the run (server down, slow, absent). Each record reaches the server once, however often this runs."})
public final class RunsSyncCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "A run folder, a run.jsonl, or a folder of runs.")
    Path root;

    @Option(names = "--timeout", defaultValue = "PT30S", description = "Longest wait for one server call. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    TrackingOptions tracking;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(root)) {
            throw new IllegalArgumentException(root + ": no such file or folder");
        }
        TrackingConfig cfg = tracking.config();
        int failed = 0;
        for (Path journal : RunSummary.journals(root)) {
            DeliveryCursor cursor = DeliveryCursor.load(journal);
            String uri = cfg.trackingUri() != null ? cfg.trackingUri() : cursor != null ? cursor.trackingUri() : null;
            if (uri == null) {
                throw new IllegalArgumentException("no tracking server: give --tracking-uri or set MLFLOW_TRACKING_URI");
            }
            try (MlflowDelivery d = MlflowDelivery.open(journal, uri, cfg.experimentName(), timeout)) {
                long through = d.deliverPending();
                System.out.printf("%s: delivered through record %d to run %s at %s%s%n", journal, through,
                        d.mlflowRunId().orElse("-"), uri, cursor != null && cursor.deliveredSeq() == through ? " (nothing new)" : "");
            } catch (Exception e) {
                failed++;
                System.err.printf("%s: not delivered: %s%n", journal, e.getMessage());
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
