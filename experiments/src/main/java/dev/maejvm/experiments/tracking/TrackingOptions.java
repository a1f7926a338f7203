package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.pretrain.events.TrainingListener;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where runs are tracked, configured the MLflow way: the options, or the environment variables
 * MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, MLFLOW_RUN_ID, MLFLOW_TAGS (a JSON object or
 * k=v,k=v). Without a tracking URI the local run journal is the record.
 */
public final class TrackingOptions {
    @Option(names = "--tracking-uri", defaultValue = "${env:MLFLOW_TRACKING_URI}",
            description = "MLflow tracking server, http(s)://... Default: $MLFLOW_TRACKING_URI; none: the local run journal only.")
    String trackingUri;

    @Option(names = "--experiment-name", defaultValue = "${env:MLFLOW_EXPERIMENT_NAME}",
            description = "MLflow experiment (created if missing). Default: $MLFLOW_EXPERIMENT_NAME, else 'Default'.")
    String experimentName;

    @Option(names = "--run-id", defaultValue = "${env:MLFLOW_RUN_ID}",
            description = "Attach to this existing MLflow run. Default: $MLFLOW_RUN_ID, else a new run.")
    String runId;

    @Option(names = "--tag", description = "A run tag k=v (repeatable), added to $MLFLOW_TAGS.")
    Map<String, String> tags = new LinkedHashMap<>();

    public boolean enabled() {
        return trackingUri != null && !trackingUri.isBlank();
    }

    /** Every tag: $MLFLOW_TAGS, then --tag. */
    public Map<String, String> allTags() {
        Map<String, String> all = new LinkedHashMap<>(parseTags(System.getenv("MLFLOW_TAGS")));
        all.putAll(tags);
        return all;
    }

    static Map<String, String> parseTags(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s == null || s.isBlank()) {
            return out;
        }
        if (s.strip().startsWith("{")) {
            try {
                return new ObjectMapper().readValue(s, new TypeReference<LinkedHashMap<String, String>>() {});
            } catch (Exception e) {
                throw new IllegalArgumentException("MLFLOW_TAGS is not a JSON object of strings: " + e.getMessage());
            }
        }
        for (String kv : s.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("MLFLOW_TAGS: expected k=v,k=v, got '" + kv + "'");
            }
            out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        return out;
    }

    /** The delivery to the configured server; a URI MLflow's Java client cannot use is refused by name. */
    public MlflowDelivery delivery() {
        if (!trackingUri.startsWith("http://") && !trackingUri.startsWith("https://")) {
            throw new IllegalArgumentException("--tracking-uri / MLFLOW_TRACKING_URI must be an http(s):// MLflow server, got '"
                    + trackingUri + "' (MLflow's Java client cannot use file: URIs, and MLflow is retiring its file store)");
        }
        return new MlflowDelivery(trackingUri, experimentName, runId, allTags());
    }

    /** The background tracker for a run writing its journal into {@code outputDir}, when a server is configured. */
    public Optional<TrainingListener> tracker(Path outputDir) {
        if (!enabled()) {
            return Optional.empty();
        }
        return Optional.of(new MlflowTracker(delivery(), outputDir.resolve(RunJournal.FILE_NAME), 20, 15));
    }
}
