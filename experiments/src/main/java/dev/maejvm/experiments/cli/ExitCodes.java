package dev.maejvm.experiments.cli;

/** What the exit status of {@code mae} means. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int BAD_DATA = 3;

    private ExitCodes() {}

    /** Maps an exception that escaped a command to an exit status. */
    static int of(Throwable t) {
        if (t instanceof dev.maejvm.data.BadImageException) {
            return BAD_DATA;
        }
        if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
            return USAGE;
        }
        return FAILED;
    }
}
