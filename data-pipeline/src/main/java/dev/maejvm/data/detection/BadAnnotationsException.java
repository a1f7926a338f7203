package dev.maejvm.data.detection;

import java.nio.file.Path;
import java.util.List;

/**
 * An annotations file that cannot be used as it is: its message starts with the file and names
 * each problem (the annotation or image id, the image's file name), up to {@link #LISTED} of them,
 * then how many more. An IllegalArgumentException, as the other errors of opening a dataset; the
 * command line reports it as bad input data.
 */
public final class BadAnnotationsException extends IllegalArgumentException {
    /** Problems named in the message; the rest are counted. */
    public static final int LISTED = 10;

    private final Path file;
    private final List<String> problems;

    public BadAnnotationsException(Path file, List<String> problems) {
        super(message(file, problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public BadAnnotationsException(Path file, String problem) {
        this(file, List.of(problem));
    }

    private static String message(Path file, List<String> problems) {
        if (problems.size() == 1) {
            return file + ": " + problems.get(0);
        }
        StringBuilder s = new StringBuilder(file + ": " + problems.size() + " problems:");
        for (String p : problems.subList(0, Math.min(LISTED, problems.size()))) {
            s.append("\n  ").append(p);
        }
        if (problems.size() > LISTED) {
            s.append("\n  ... and ").append(problems.size() - LISTED).append(" more");
        }
        return s.toString();
    }

    public Path file() {
        return file;
    }

    /** Every problem found, not only the listed ones. */
    public List<String> problems() {
        return problems;
    }
}
