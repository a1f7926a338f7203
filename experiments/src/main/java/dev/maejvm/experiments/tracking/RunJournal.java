package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import dev.maejvm.train.events.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local record of a run, always written, with or without a tracking server: one JSON line per
 * event in {@code run.jsonl} in the run's output folder (appended across resumes, numbered by
 * {@code seq}, flushed after every event), and a PNG of the loss curves beside it at the end. A
 * resumed run keeps its run id. Each metric key's steps strictly increase through the whole
 * journal: a point at or below the last recorded step of its key (a resumed run repeating the
 * steps after its checkpoint) is not recorded again, so every (key, step) appears once.
 * Trouble writing it is logged, never thrown: training does not fail because of tracking.
 */
public final class RunJournal implements TrainingListener, AutoCloseable {
    public static final String FILE_NAME = "run.jsonl";
    private static final Logger log = LoggerFactory.getLogger(RunJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private BufferedWriter out;
    private long seq;
    private String runId;
    private final Map<String, Long> lastStep = new HashMap<>();
    private boolean ended;
    private Runnable onAppend = () -> { };

    public RunJournal(Path outputDir) {
        this.file = outputDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** Called after every appended (and flushed) event, e.g. to wake a delivery thread. */
    synchronized void onAppend(Runnable r) {
        onAppend = r;
    }

    /** The seq of the last record written (0 before any). */
    public synchronized long lastSeq() {
        return seq;
    }

    /** The last step recorded for a metric key, or -1. */
    synchronized long lastStep(String key) {
        return lastStep.getOrDefault(key, -1L);
    }

    /** An MLflow-style run id: 32 hex characters. */
    static String newRunId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public synchronized String runStarted(RunStart start) {
        runId = start.resumedRunId() != null ? start.resumedRunId() : newRunId();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            lastStep.clear();
            seq = 0;
            if (Files.exists(file)) {
                dropTornTail(file);
                for (JournalRecord r : JournalReader.read(file)) {
                    seq = Math.max(seq, r.seq());
                    if ("metric".equals(r.type())) {
                        lastStep.merge(r.key(), r.step(), Math::max);
                    }
                }
            }
            ended = false;
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | UncheckedIOException e) {
            log.warn("cannot open the run journal {}: {}", file, e.toString());
        }
        write(new JournalRecord(0, "run_start", System.currentTimeMillis(), runId, start.kind(), start.runName(),
                start.params(), start.tags(), null, null, start.startStep(), start.outputDir().toString(), null, null, null));
        flush();
        return runId;
    }

    @Override
    public synchronized void stepEnded(long step, int epoch, Map<String, Double> metrics) {
        logMetrics(metrics, step);
    }

    @Override
    public synchronized void epochEnded(int epoch, long step, Map<String, Double> metrics) {
        Map<String, Double> all = new LinkedHashMap<>(metrics);
        all.put("epoch", (double) epoch);
        logMetrics(all, step);
    }

    /** Metrics at a step; a key's point at or below its last recorded step is dropped (see the class). */
    synchronized void logMetrics(Map<String, Double> metrics, long step) {
        metrics.forEach((k, v) -> {
            if (step > lastStep.getOrDefault(k, Long.MIN_VALUE)) {
                lastStep.put(k, step);
                write(metric(k, v, step));
            }
        });
        flush();
    }

    @Override
    public synchronized void artifactWritten(Path path, String artifactDir) {
        write(new JournalRecord(0, "artifact", System.currentTimeMillis(), runId, null, null, null, null, null, null, null,
                path.toAbsolutePath().toString(), artifactDir, null, null));
        flush();
    }

    @Override
    public synchronized void runEnded(RunStatus status, String message) {
        if (ended) {
            return;     // ended already (e.g. by a shutdown hook): the first word stands
        }
        write(new JournalRecord(0, "run_end", System.currentTimeMillis(), runId, null, null, null, null, null, null, null,
                null, null, status.name(), message));
        ended = true;
        flush();
        try {
            LossCurves.write(JournalReader.read(file), file.resolveSibling("loss.png"));
        } catch (IOException | RuntimeException e) {
            log.warn("cannot draw the loss curves next to {}: {}", file, e.toString());
        }
    }

    private JournalRecord metric(String key, double value, long step) {
        return new JournalRecord(0, "metric", System.currentTimeMillis(), runId, null, null, null, null, key,
                JournalRecord.encode(value), step, null, null, null, null);
    }

    /** A crash mid-append leaves a last line without its newline: cut it, so appending goes on cleanly. */
    private static void dropTornTail(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long end = ch.size();
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            long keep = end;
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < end) {
                log.warn("{}: dropping an incomplete last record ({} bytes) left by a crash", file, end - keep);
                ch.truncate(keep);
            }
        }
    }

    /** Whether run_end has been written since the last run_start. */
    synchronized boolean ended() {
        return ended;
    }

    private void write(JournalRecord r) {
        if (out == null || ended) {
            return;
        }
        JournalRecord numbered = new JournalRecord(++seq, r.type(), r.time(), r.runId(), r.kind(), r.name(), r.params(),
                r.tags(), r.key(), r.value(), r.step(), r.path(), r.artifactDir(), r.status(), r.message());
        try {
            out.write(JSON.writeValueAsString(numbered));
            out.newLine();
        } catch (IOException e) {
            log.warn("cannot append to the run journal {}: {}", file, e.toString());
        }
    }

    private void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                log.warn("cannot flush the run journal {}: {}", file, e.toString());
            }
            onAppend.run();
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("cannot close the run journal {}: {}", file, e.toString());
            }
            out = null;
        }
    }

    /** Reads journals back. */
    public static final class JournalReader {
        private JournalReader() {}

        /** Every record; a torn last line (a crash mid-write) is ignored. */
        public static List<JournalRecord> read(Path file) throws IOException {
            List<JournalRecord> records = new ArrayList<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    records.add(JSON.readValue(line, JournalRecord.class));
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new IOException(file + ":" + (i + 1) + ": not a journal record: " + e.getMessage(), e);
                    }
                }
            }
            return records;
        }
    }
}
