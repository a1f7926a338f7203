package dev.maejvm.train;

/** The loss became NaN or infinite; training stops (as the official code does) and keeps its last checkpoint. */
public final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
