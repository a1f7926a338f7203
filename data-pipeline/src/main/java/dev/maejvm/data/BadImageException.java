package dev.maejvm.data;

/** An image that cannot be read: corrupt, truncated, empty, unsupported or absurdly large. The message names the file. */
public final class BadImageException extends RuntimeException {
    private final String source;

    public BadImageException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
        this.source = source;
    }

    public String source() {
        return source;
    }
}
