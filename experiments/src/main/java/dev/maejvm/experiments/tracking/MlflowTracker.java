package dev.maejvm.experiments.tracking;

import dev.maejvm.pretrain.events.RunStatus;
import dev.maejvm.pretrain.events.TrainingListener;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a run's journal to MLflow in the background while it trains: after every
 * {@code everySteps} steps, every epoch, every artifact and at the end, a delivery thread sends
 * what is new, retrying with backoff (1 s doubling to 30 s) while the server is down. Training
 * never waits for it; at the end it waits at most {@code finalWaitSeconds} for the last delivery,
 * and what could not be delivered stays in the journal for {@code mae runs sync}. Listed after the
 * {@link RunJournal}, which has written each record by the time this hears of it.
 */
public final class MlflowTracker implements TrainingListener {
    private static final Logger log = LoggerFactory.getLogger(MlflowTracker.class);

    private final MlflowDelivery delivery;
    private final Path journal;
    private final int everySteps;
    private final long finalWaitSeconds;
    private final Thread worker;
    private final Object lock = new Object();
    private boolean pending;
    private boolean ended;
    private boolean upToDate;

    public MlflowTracker(MlflowDelivery delivery, Path journal, int everySteps, long finalWaitSeconds) {
        this.delivery = delivery;
        this.journal = journal;
        this.everySteps = everySteps;
        this.finalWaitSeconds = finalWaitSeconds;
        this.worker = new Thread(this::loop, "mae-mlflow");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    @Override
    public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
        if (step % everySteps == 0) {
            signal();
        }
    }

    @Override
    public void epochEnded(int epoch, long step, Map<String, Double> metrics) {
        signal();
    }

    @Override
    public void artifactWritten(Path file, String artifactDir) {
        signal();
    }

    @Override
    public void runEnded(RunStatus status, String message) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(finalWaitSeconds);
        synchronized (lock) {
            ended = true;
            upToDate = false;
            pending = true;
            lock.notifyAll();
            while (!upToDate && System.nanoTime() < deadline) {
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!upToDate) {
                log.warn("the tracking server did not take the whole run within {} s; it stays in {}: run `mae runs sync {}`",
                        finalWaitSeconds, journal, journal.getParent());
            }
        }
        worker.interrupt();
    }

    private void signal() {
        synchronized (lock) {
            pending = true;
            lock.notifyAll();
        }
    }

    private void loop() {
        long backoffMs = 1000;
        while (true) {
            synchronized (lock) {
                while (!pending) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                pending = false;
            }
            boolean last;
            synchronized (lock) {
                last = ended;
            }
            try {
                delivery.deliver(journal);
                backoffMs = 1000;
                if (last) {
                    synchronized (lock) {
                        upToDate = true;
                        lock.notifyAll();
                    }
                    return;
                }
            } catch (Exception e) {
                if (backoffMs == 1000) {
                    log.warn("tracking server unreachable or refusing ({}); retrying in the background, nothing is lost",
                            e.toString());
                } else {
                    log.debug("tracking delivery failed again ({}); next try in {} s", e.toString(), backoffMs / 1000);
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(30_000, backoffMs * 2);
                signal();
            }
        }
    }
}
