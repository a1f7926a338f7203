package dev.maejvm.experiments.tracking;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that keeps a {@link MlflowDelivery} caught up with its journal: woken by every
 * append (and at least every {@code poll}), it sends what is new; after a failure it waits with
 * exponential backoff and jitter (from {@code initialBackoff}, doubling up to {@code maxBackoff})
 * and tries again, for as long as the run lasts. Nothing here ever blocks or fails the training.
 */
final class BackgroundDelivery implements AutoCloseable {
    static final int FLUSH_GIVE_UP = 3;
    private static final Logger log = LoggerFactory.getLogger(BackgroundDelivery.class);

    private final MlflowDelivery delivery;
    private final LongSupplier journalSeq;
    private final DeliverySettings settings;
    private final Thread thread;
    private boolean wake;
    private boolean closing;
    private volatile int failures;
    private volatile long nextTry;

    BackgroundDelivery(MlflowDelivery delivery, LongSupplier journalSeq, DeliverySettings settings) {
        this.delivery = delivery;
        this.journalSeq = journalSeq;
        this.settings = settings;
        this.thread = new Thread(this::loop, "mlflow-delivery");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something new is in the journal. */
    synchronized void wake() {
        wake = true;
        notifyAll();
    }

    /** Whether the last attempt reached the server. */
    boolean healthy() {
        return failures == 0;
    }

    /**
     * Waits until everything written to the journal so far is on the server, at most {@code timeout};
     * gives up early after {@value #FLUSH_GIVE_UP} failed attempts in a row (a server that is down:
     * the journal keeps the rest for {@code runs sync}).
     *
     * @return whether everything got there
     */
    boolean flush(Duration timeout) {
        long target = journalSeq.getAsLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        wake();
        synchronized (this) {
            while (delivery.deliveredSeq() < target && failures < FLUSH_GIVE_UP && thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return delivery.deliveredSeq() >= target;
    }

    private void loop() {
        while (true) {
            synchronized (this) {
                try {
                    if (failures == 0) {
                        if (!wake && !closing) {
                            wait(settings.poll().toMillis());
                        }
                    } else {
                        long left;
                        while (!closing && (left = (nextTry - System.nanoTime()) / 1_000_000) > 0) {
                            wait(left);
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (closing) {
                    return;
                }
                wake = false;
            }
            attempt();
        }
    }

    private void attempt() {
        try {
            delivery.deliverPending();
            if (failures > 0) {
                log.info("tracking: the server answers again; delivered through record {}", delivery.deliveredSeq());
            }
            failures = 0;
        } catch (Exception e) {
            failures++;
            nextTry = System.nanoTime() + backoffMillis() * 1_000_000L;
            if (Integer.bitCount(failures) == 1) {       // the 1st, 2nd, 4th, 8th... failure in a row
                log.warn("tracking: delivery failed ({} in a row), retrying in the background: {}", failures, e.getMessage());
            }
        }
        synchronized (this) {
            notifyAll();
        }
    }

    private long backoffMillis() {
        long base = settings.initialBackoff().toMillis() << Math.min(20, Math.max(0, failures - 1));
        long capped = Math.min(settings.maxBackoff().toMillis(), base);
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    /** Stops the thread (after its current call, at most {@code timeout}). */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            thread.join(settings.callTimeout().toMillis() * 2 + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.close();
    }
}
