package dev.maejvm.experiments.spec;

import java.nio.file.Path;

/** A bad experiment spec: the message names the file, the line and the key. */
public final class SpecException extends IllegalArgumentException {
    private final int line;

    public SpecException(Path file, int line, String message) {
        super(file + ":" + line + ": " + message);
        this.line = line;
    }

    public SpecException(Path file, int line, String message, Throwable cause) {
        super(file + ":" + line + ": " + message, cause);
        this.line = line;
    }

    /** The 1-based line the error is about. */
    public int line() {
        return line;
    }
}
