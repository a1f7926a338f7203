package dev.maejvm.experiments.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What was recorded for one point of an experiment.
 *
 * @param name the point's folder name
 * @param values its value on each axis, and {@code seed}
 * @param metrics the measured numbers by {@link ResultReader}'s names ({@code finetune.top1}, ...)
 * @param status each stage's status (finished, failed, or missing when it has not run)
 */
public record PointResult(String name, Map<String, String> values, Map<String, Double> metrics, Map<String, String> status) {
    public PointResult {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        status = Collections.unmodifiableMap(new LinkedHashMap<>(status));
    }
}
