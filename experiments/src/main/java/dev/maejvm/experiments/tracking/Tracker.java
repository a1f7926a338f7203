package dev.maejvm.experiments.tracking;


import dev.maejvm.train.CodeVersion;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import dev.maejvm.train.events.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks one run: every event goes first into the {@link RunJournal} in the run's output folder,
 * then, when a tracking URI is configured, to MLflow in the background ({@link BackgroundDelivery});
 * system metrics are sampled on an interval; a JVM shutdown hook records the run as KILLED if a
 * signal (Ctrl-C, SIGTERM) ends the process before the training loop ends the run. Training never
 * waits on the server except at the end, for at most {@link DeliverySettings#finalFlush()} (and
 * not at all once the server has failed {@value BackgroundDelivery#FLUSH_GIVE_UP} times in a row);
 * what is left stays in the journal for {@code mae runs sync}.
 *
 * <p>Use: {@code Tracker t = options.listener();} pass it (alone or in {@code TrainingListeners})
 * to the training loop, which calls {@code runStarted} ... {@code runEnded}; then {@code t.close()}.
 */
public final class Tracker implements TrainingListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tracker.class);

    private final TrackingConfig config;
    private final DeliverySettings settings;
    private final CountDownLatch ended = new CountDownLatch(1);
    private RunJournal journal;
    private BackgroundDelivery delivery;
    private ScheduledExecutorService sampler;
    private Thread hook;
    private long systemStep = -1;
    private boolean endRecorded;

    public Tracker(TrackingConfig config, DeliverySettings settings) {
        this.config = config;
        this.settings = settings;
    }

    /** The journal file, once the run started. */
    public synchronized Path journalFile() {
        return journal == null ? null : journal.file();
    }

    @Override
    public synchronized String runStarted(RunStart start) {
        if (journal != null) {
            throw new IllegalStateException("runStarted called twice on one Tracker");
        }
        String runId = start.resumedRunId() != null ? start.resumedRunId() : config.runId();
        if (start.resumedRunId() != null && config.runId() != null && !config.runId().equals(start.resumedRunId())) {
            log.warn("tracking: the checkpoint belongs to run {}; continuing it rather than --run-id/MLFLOW_RUN_ID {}",
                    start.resumedRunId(), config.runId());
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("mlflow.source.name", "mae " + start.kind());
        tags.put("mlflow.source.type", "LOCAL");
        tags.put("mlflow.user", System.getProperty("user.name", "unknown"));
        String commit = CodeVersion.get();
        if (!"unknown".equals(commit)) {
            tags.put("mlflow.source.git.commit", commit);
        }
        tags.put("mae.kind", start.kind());
        tags.putAll(start.tags());
        tags.putAll(config.tags());
        String name = config.runName() != null ? config.runName() : start.runName();
        RunStart resolved = new RunStart(start.kind(), name, start.params(), tags, start.outputDir(), runId, start.startStep());

        journal = new RunJournal(start.outputDir());
        String id = journal.runStarted(resolved);
        if (config.trackingUri() != null) {
            startDelivery();
        }
        if (!settings.systemMetricsInterval().isZero()) {
            sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "system-metrics");
                t.setDaemon(true);
                return t;
            });
            long ms = settings.systemMetricsInterval().toMillis();
            sampler.scheduleAtFixedRate(this::sampleSystem, ms, ms, TimeUnit.MILLISECONDS);
        }
        hook = new Thread(this::onSignal, "mae-tracking-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return id;
    }

    private void startDelivery() {
        try {
            MlflowDelivery d = MlflowDelivery.open(journal.file(), config.trackingUri(), config.experimentName(),
                    settings.callTimeout());
            delivery = new BackgroundDelivery(d, journal::lastSeq, settings);
            journal.onAppend(delivery::wake);
            delivery.start();
            log.info("tracking: {} -> {} (experiment '{}'), delivered in the background",
                    journal.file(), config.trackingUri(), config.experimentName() == null ? "Default" : config.experimentName());
        } catch (IOException | IllegalStateException e) {
            log.warn("tracking: not delivering to {} ({}); the journal keeps the run: ./mae runs sync {}",
                    config.trackingUri(), e.getMessage(), journal.file().getParent());
        }
    }

    /** Takes one system-metrics sample into the journal (the interval thread calls it). */
    void sampleSystem() {
        try {
            Map<String, Double> m = SystemMetrics.sample();
            synchronized (this) {
                if (journal == null || endRecorded) {
                    return;
                }
                if (systemStep < 0) {   // a resumed journal goes on after its last sample
                    systemStep = m.keySet().stream().mapToLong(journal::lastStep).max().orElse(-1) + 1;
                }
                journal.logMetrics(m, systemStep++);
            }
        } catch (RuntimeException e) {
            log.debug("system metrics: {}", e.toString());
        }
    }

    @Override
    public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
        journal().stepEnded(step, epoch, metrics);
    }

    @Override
    public void epochEnded(int epoch, long step, Map<String, Double> metrics) {
        journal().epochEnded(epoch, step, metrics);
    }

    @Override
    public void artifactWritten(Path file, String artifactDir) {
        journal().artifactWritten(file, artifactDir);
    }

    @Override
    public void runEnded(RunStatus status, String message) {
        end(status, message, settings.finalFlush());
    }

    private synchronized RunJournal journal() {
        if (journal == null) {
            throw new IllegalStateException("runStarted must come first");
        }
        return journal;
    }

    private void end(RunStatus status, String message, Duration flush) {
        BackgroundDelivery d;
        synchronized (this) {
            if (journal == null || endRecorded) {
                return;
            }
            endRecorded = true;
            if (sampler != null) {
                sampler.shutdownNow();
            }
            journal.runEnded(status, message);
            d = delivery;
        }
        ended.countDown();
        if (d != null && !d.flush(flush)) {
            log.warn("tracking: not everything reached {} yet; the journal keeps it: ./mae runs sync {}",
                    config.trackingUri(), journal.file().getParent());
        }
    }

    /** The shutdown hook: let the training loop end the run, or record it KILLED. */
    void onSignal() {
        try {
            if (!ended.await(settings.killGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                end(RunStatus.KILLED, "the process was stopped (signal) before the run ended",
                        settings.finalFlush().compareTo(Duration.ofSeconds(10)) < 0 ? settings.finalFlush() : Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
    }

    @Override
    public void close() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return;     // the hook runs and closes
            }
        }
        closeQuietly();
    }

    private synchronized void closeQuietly() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        if (delivery != null) {
            delivery.close();
            delivery = null;
        }
        if (journal != null) {
            journal.close();
        }
    }
}
