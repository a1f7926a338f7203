package dev.maejvm.data;

/** What the loader does with an unreadable image: stop naming it, or skip it and report it at the end. */
public enum OnBadImage {
    FAIL,
    SKIP;

    public static OnBadImage parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fail" -> FAIL;
            case "skip" -> SKIP;
            default -> throw new IllegalArgumentException("--on-bad-image must be fail or skip, got '" + s + "'");
        };
    }
}
