package dev.maejvm.train.config;

/**
 * A config that cannot be read, written or overridden: an unknown, missing or malformed key, a
 * {@code key=value} syntax error, or a record's own validation failure. The message always names
 * the key; {@link #key()} gives it to callers (a CLI maps this exception to a usage error).
 *
 * <p>It is an {@link IllegalArgumentException}, so code that already catches the records' own
 * validation errors keeps working.
 */
public final class ConfigException extends IllegalArgumentException {

    private final String key;

    /**
     * @param key the dotted key the error is about (see {@link #key()})
     * @param message the full message, which names the key
     */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /**
     * @param key the dotted key the error is about (see {@link #key()})
     * @param message the full message, which names the key
     * @param cause the record's own exception, for a validation failure
     */
    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /**
     * The dotted key the error is about, e.g. {@code model.encoder.embedDim}. For a validation
     * failure thrown by a record's constructor it is the path of that record ({@code model.encoder};
     * the empty string for the top-level record), and the record's exception is the cause.
     */
    public String key() {
        return key;
    }
}
