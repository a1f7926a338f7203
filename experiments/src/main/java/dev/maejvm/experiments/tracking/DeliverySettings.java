package dev.maejvm.experiments.tracking;

import java.time.Duration;

/**
 * How delivery to a tracking server paces itself.
 *
 * @param callTimeout the longest one server call may take before it counts as failed
 * @param poll how often the delivery thread looks at the journal when nothing woke it
 * @param initialBackoff the wait after a first failure; it doubles per failure in a row
 * @param maxBackoff the longest wait between attempts
 * @param finalFlush how long the end of a run waits for the rest to reach the server
 * @param killGrace after a signal, how long to wait for the training loop to end the run itself
 *     before the run is recorded as KILLED by the shutdown hook
 * @param systemMetricsInterval how often CPU, memory (and GPU) use is sampled; zero: never
 */
public record DeliverySettings(Duration callTimeout, Duration poll, Duration initialBackoff, Duration maxBackoff,
                               Duration finalFlush, Duration killGrace, Duration systemMetricsInterval) {

    /** For training runs: MLflow's 10 s system-metrics interval, up to a minute between retries. */
    public static final DeliverySettings DEFAULT = new DeliverySettings(Duration.ofSeconds(30), Duration.ofSeconds(2),
            Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(100),
            Duration.ofSeconds(10));

    public DeliverySettings {
        positive("callTimeout", callTimeout);
        positive("poll", poll);
        positive("initialBackoff", initialBackoff);
        positive("maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
        }
        notNegative("finalFlush", finalFlush);
        notNegative("killGrace", killGrace);
        notNegative("systemMetricsInterval", systemMetricsInterval);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }

    private static void notNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + d);
        }
    }
}
