package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One line of a run journal. {@code type}: run_start, param (in run_start's params), metric,
 * artifact, run_end. Metric values that JSON cannot hold (NaN, ±Infinity) are kept as the strings
 * MLflow's REST API expects ("NaN", "Infinity", "-Infinity").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JournalRecord(
        long seq,
        String type,
        long time,
        String runId,
        String kind,
        String name,
        Map<String, String> params,
        Map<String, String> tags,
        String key,
        Object value,
        Long step,
        String path,
        String artifactDir,
        String status,
        String message) {

    static Object encode(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        return v;
    }

    /** The metric value as a double (decoding the strings of {@link #encode}). */
    public double doubleValue() {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        return Double.parseDouble(String.valueOf(value));
    }
}
