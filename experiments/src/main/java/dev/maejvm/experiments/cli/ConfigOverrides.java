package dev.maejvm.experiments.cli;

import dev.maejvm.train.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a command's options meet a config of dotted keys: {@code --set KEY=VALUE} assignments, and
 * a resumed run, which continues its checkpoint's config and may change only its length.
 */
public final class ConfigOverrides {
    private ConfigOverrides() {}

    /** Adds {@code --set} assignments to the given options (they win). */
    public static Map<String, String> withSet(Map<String, String> given, List<String> assignments) {
        Map<String, String> m = new LinkedHashMap<>(given);
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(a, "--set takes KEY=VALUE, got '" + a + "'");
            }
            m.put(a.substring(0, eq).trim(), a.substring(eq + 1));
        }
        return m;
    }

    /** Puts an option under its key when it was given. */
    public static void put(Map<String, String> m, String key, Object value) {
        if (value != null) {
            m.put(key, String.valueOf(value));
        }
    }

    /**
     * The checkpoint's config with the resumable keys changed as given; any other given key whose
     * value differs is an error naming it and the checkpoint's value.
     */
    public static Map<String, String> resumed(Map<String, String> saved, Map<String, String> given, List<String> resumable) {
        Map<String, String> flat = new LinkedHashMap<>(saved);
        List<String> conflicts = new ArrayList<>();
        given.forEach((k, v) -> {
            if (resumable.contains(k)) {
                flat.put(k, v);
            } else if (!same(flat.get(k), v)) {
                conflicts.add(k + " " + v + " (the checkpoint has " + flat.get(k) + ")");
            }
        });
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("resuming continues the same run, but these options differ from its checkpoint: "
                    + String.join(", ", conflicts) + ". Only " + resumable + " may change; use a new --out for a new run.");
        }
        return flat;
    }

    private static boolean same(String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        try {
            return Double.parseDouble(a) == Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return a.equals(b);
        }
    }
}
