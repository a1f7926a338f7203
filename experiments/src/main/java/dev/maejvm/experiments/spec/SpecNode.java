package dev.maejvm.experiments.spec;

import java.util.List;
import java.util.Map;

/**
 * A value of a spec file with the line it is on, so that every error can name the line: a scalar
 * (kept as its text), a list or a map (keys in file order, each with its own line).
 */
public sealed interface SpecNode {
    int line();

    /** A scalar as written (numbers and booleans too: the stage's config parses them). */
    record Scalar(String text, int line) implements SpecNode {}

    record Sequence(List<SpecNode> items, int line) implements SpecNode {}

    /** @param keyLines the line of each key */
    record Mapping(Map<String, SpecNode> entries, Map<String, Integer> keyLines, int line) implements SpecNode {}
}
