package dev.maejvm.train.config;

import java.util.Collection;

/**
 * The hint added to an unknown key's error: the known key it most likely meant. In order: a nested
 * record's path given as a key (point at its components); the closest key by edit distance
 * (case ignored) when at most 2 edits away; a key with the same last segment under another parent
 * ({@code model.embedDim} for {@code model.encoder.embedDim}); the closest key when within a third
 * of the key's length.
 */
final class KeyHints {

    private KeyHints() {
    }

    /** {@code "; did you mean 'x'?"}, or a note on a record's path, or "" when nothing is close. */
    static String hint(String unknown, Collection<String> known) {
        for (String k : known) {
            if (k.startsWith(unknown + ".")) {
                return "; it is a nested record: set its components instead, e.g. '" + k + "'";
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(unknown.toLowerCase(), k.toLowerCase());
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        if (best != null && bestDistance <= 2) {
            return "; did you mean '" + best + "'?";
        }
        String last = unknown.substring(unknown.lastIndexOf('.') + 1);
        for (String k : known) {
            if (k.endsWith("." + last) || k.equals(last)) {
                return "; did you mean '" + k + "'?";
            }
        }
        return best != null && bestDistance <= unknown.length() / 3 ? "; did you mean '" + best + "'?" : "";
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
