package dev.maejvm.experiments.tracking;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * What an MLflow tracking server accepts (seen on MLflow 2.12.2; docs/TRACKING.md): per
 * log-batch at most 1000 metrics, 100 params and tags together, 1000 entities in all; keys of at
 * most 250 characters, param values of at most 6000, tag values of at most 5000. Over that the
 * server answers HTTP 400, so values are made to fit here and the change is said (see
 * {@link #key} and {@link #value}).
 */
final class MlflowLimits {
    static final int MAX_METRICS_PER_BATCH = 1000;
    static final int MAX_PARAMS_TAGS_PER_BATCH = 100;
    static final int MAX_ENTITIES_PER_BATCH = 1000;
    static final int MAX_KEY = 250;
    static final int MAX_PARAM_VALUE = 6000;
    static final int MAX_TAG_VALUE = 5000;

    private MlflowLimits() {}

    /**
     * A key that fits: unchanged when short enough, else its head and a hash of the whole key
     * ({@code head~1a2b3c4d}), so two long keys with the same head stay apart.
     */
    static String key(String key) {
        if (key.length() <= MAX_KEY) {
            return key;
        }
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        String suffix = String.format("~%08x", crc.getValue());
        return key.substring(0, MAX_KEY - suffix.length()) + suffix;
    }

    /** A value that fits in {@code max} characters; a cut one ends with a note of its full length. */
    static String value(String value, int max) {
        if (value == null) {
            return "";
        }
        if (value.length() <= max) {
            return value;
        }
        String note = "...[truncated: " + value.length() + " chars]";
        return value.substring(0, max - note.length()) + note;
    }
}
