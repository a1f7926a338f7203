package dev.maejvm.experiments.spec;

import java.util.List;

/**
 * One axis of a sweep: a stage's setting and the values it takes, e.g. {@code pretrain.maskRatio:
 * [0.5, 0.75, 0.9]}.
 *
 * @param line the line of the axis in the spec
 */
public record Axis(SpecStage stage, String key, List<String> values, int line) {
    public Axis {
        values = List.copyOf(values);
    }

    /** The axis as written: {@code stage.key}. */
    public String name() {
        return stage.id() + "." + key;
    }
}
