package dev.maejvm.experiments.cli;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.detection.BadAnnotationsException;
import picocli.CommandLine;

/**
 * What the exit status of {@code mae} means: 0 done, 1 the job failed, 2 bad usage or
 * configuration, 3 unreadable input data.
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** The job failed: a non-finite loss, a failure while running, an internal error. */
    public static final int FAILED = 1;
    /** Bad usage or configuration: the message names the option or field. */
    public static final int USAGE = 2;
    /** Unreadable input data: the message names the file. */
    public static final int BAD_DATA = 3;

    private ExitCodes() {}

    /**
     * Maps an exception that escaped a command to an exit status. picocli applies this mapper to
     * its own parse errors too (its default parameter exception handler prints the error and the
     * usage, then asks here), so they must come out as {@link #USAGE}, as must the
     * IllegalArgumentExceptions of option and config validation. Unreadable images and unusable
     * COCO annotations ({@code BadAnnotationsException}, an IllegalArgumentException) are
     * {@link #BAD_DATA}. An IllegalStateException, or any other exception, is a failure of the job
     * or of the program: {@link #FAILED}.
     */
    static int of(Throwable t) {
        if (t instanceof CommandLine.ExecutionException && t.getCause() != null) {
            return of(t.getCause());
        }
        int depth = 0;
        for (Throwable c = t; c != null && depth++ < 8; c = c.getCause()) {       // also when wrapped
            if (c instanceof BadImageException || c instanceof BadAnnotationsException) {
                return BAD_DATA;
            }
        }
        if (t instanceof CommandLine.ParameterException) {           // unknown option, bad value, missing one
            return USAGE;
        }
        if (t instanceof IllegalArgumentException && !thrownByNd4j(t)) {
            return USAGE;
        }
        return FAILED;
    }

    /** True for an internal error: not a usage, configuration or data error. */
    static boolean internal(Throwable t) {
        return of(t) == FAILED && !(t instanceof IllegalStateException);
    }

    /**
     * An IllegalArgumentException raised inside ND4J (its Preconditions: a shape or type that does
     * not fit) is a bug of the program, not a bad option.
     */
    private static boolean thrownByNd4j(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return st.length > 0 && st[0].getClassName().startsWith("org.nd4j.");
    }
}
