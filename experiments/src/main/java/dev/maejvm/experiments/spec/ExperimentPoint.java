package dev.maejvm.experiments.spec;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One point of an experiment: a value on every axis and a seed, and the settings of each of its
 * stages (the spec's base with the point's values over it).
 *
 * @param index 0-based, in expansion order (the first axis varies slowest, the seed fastest)
 * @param name the point's folder name, e.g. {@code p03-maskRatio=0.75-seed=0}
 * @param values the point's value on each axis, by axis name ({@code pretrain.maskRatio}), and {@code seed}
 * @param settings each stage's settings (dotted config keys and inputs to text)
 */
public record ExperimentPoint(int index, String name, Map<String, String> values, long seed,
                              Map<SpecStage, Map<String, String>> settings) {
    public ExperimentPoint {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        Map<SpecStage, Map<String, String>> copy = new EnumMap<>(SpecStage.class);
        settings.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        settings = Collections.unmodifiableMap(copy);
    }

    /** The settings of a stage (empty when the spec sets none). */
    public Map<String, String> settings(SpecStage stage) {
        return settings.getOrDefault(stage, Map.of());
    }
}
