package dev.maejvm.experiments.tracking;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and how runs are tracked, resolved from options and MLflow's environment variables.
 *
 * @param trackingUri an MLflow tracking server, {@code http(s)://host:port}; null: the local run journal only
 * @param experimentName the MLflow experiment (created if missing); null: MLflow's "Default"
 * @param runId an MLflow run to continue (MLFLOW_RUN_ID); null: a new run (or the checkpoint's)
 * @param runName the run's name; null: the command's own
 * @param tags the user's tags
 */
public record TrackingConfig(String trackingUri, String experimentName, String runId, String runName,
                             Map<String, String> tags) {

    public TrackingConfig {
        trackingUri = blankToNull(trackingUri);
        experimentName = blankToNull(experimentName);
        runId = blankToNull(runId);
        runName = blankToNull(runName);
        if (trackingUri != null && !trackingUri.matches("(?i)https?://.+")) {
            throw new IllegalArgumentException("trackingUri: MLflow's Java client talks to a tracking server, http(s)://host:port;"
                    + " got '" + trackingUri + "' (leave it unset to keep only the local run journal)");
        }
        if (runId != null && !runId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("runId: not an MLflow run id: '" + runId + "'");
        }
        tags = tags == null ? Map.of() : new LinkedHashMap<>(tags);
        tags.keySet().forEach(k -> {
            if (k == null || k.isBlank() || k.length() > MlflowLimits.MAX_KEY) {
                throw new IllegalArgumentException("tags: a tag key must have 1 to " + MlflowLimits.MAX_KEY + " characters: '" + k + "'");
            }
        });
        tags = java.util.Collections.unmodifiableMap(tags);
    }

    /** Only the journal, no server. */
    public static TrackingConfig local() {
        return new TrackingConfig(null, null, null, null, Map.of());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
