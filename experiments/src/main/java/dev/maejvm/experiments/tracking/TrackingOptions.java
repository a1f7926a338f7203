package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The tracking options every training command shares ({@code @Mixin TrackingOptions tracking;}),
 * each defaulting from MLflow's own environment variable, so a command configured the MLflow way
 * (say, by {@code mlflow run}) tracks where MLflow would.
 */
public final class TrackingOptions {
    static final String ENV_URI = "MLFLOW_TRACKING_URI";
    static final String ENV_EXPERIMENT = "MLFLOW_EXPERIMENT_NAME";
    static final String ENV_RUN_ID = "MLFLOW_RUN_ID";
    static final String ENV_TAGS = "MLFLOW_TAGS";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tracking-uri", paramLabel = "URI",
            description = "MLflow tracking server, http(s)://host:port. Default: $MLFLOW_TRACKING_URI; none: the local run journal only.")
    String trackingUri;

    @Option(names = "--experiment-name", paramLabel = "NAME",
            description = "MLflow experiment (created if missing). Default: $MLFLOW_EXPERIMENT_NAME, else 'Default'.")
    String experimentName;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Continue this MLflow run. Default: $MLFLOW_RUN_ID; a resumed checkpoint's run comes first.")
    String runId;

    @Option(names = "--run-name", paramLabel = "NAME", description = "The run's name. Default: the command's (e.g. pretrain-tiny).")
    String runName;

    @Option(names = "--tag", paramLabel = "KEY=VALUE",
            description = "A tag on the run; repeat for more. Added to $MLFLOW_TAGS (a JSON object or k=v,k=v).")
    Map<String, String> tags = new LinkedHashMap<>();

    /** The configuration from these options and the process's environment. */
    public TrackingConfig config() {
        return config(System.getenv());
    }

    /** The configuration from these options, each unset one taken from {@code env}. */
    public TrackingConfig config(Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>(parseTags(env.get(ENV_TAGS)));
        all.putAll(tags);
        return new TrackingConfig(or(trackingUri, env.get(ENV_URI)), or(experimentName, env.get(ENV_EXPERIMENT)),
                or(runId, env.get(ENV_RUN_ID)), runName, all);
    }

    /** The listener a training command passes to its loop (and closes after it). */
    public Tracker listener() {
        return new Tracker(config(), DeliverySettings.DEFAULT);
    }

    /** MLFLOW_TAGS: a JSON object ({"team": "vision"}) or k=v pairs separated by commas. */
    static Map<String, String> parseTags(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s == null || s.isBlank()) {
            return out;
        }
        String t = s.trim();
        if (t.startsWith("{")) {
            try {
                Map<String, Object> m = JSON.readValue(t, new TypeReference<Map<String, Object>>() { });
                m.forEach((k, v) -> out.put(k, String.valueOf(v)));
                return out;
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(ENV_TAGS + ": not a JSON object: " + e.getMessage());
            }
        }
        for (String pair : t.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(ENV_TAGS + ": '" + pair.trim() + "' is not key=value (use k=v,k=v or a JSON object)");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }

    private static String or(String a, String b) {
        return a != null && !a.isBlank() ? a : b;
    }
}
