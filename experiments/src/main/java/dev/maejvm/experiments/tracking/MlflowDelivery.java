package dev.maejvm.experiments.tracking;

import dev.maejvm.experiments.tracking.MlflowConnection.DeliveryException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mlflow.api.proto.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a run journal to an MLflow tracking server from where it last stopped (its {@link
 * DeliveryCursor}), in log-batch calls within {@link MlflowLimits}: the run (found again by its
 * tag {@code mae.journal_run_id}, or the MLflow run the journal's run id names, or created in the
 * experiment, which is created if missing), the config as params, tags, every metric point with its
 * step and the journal's timestamp, artifacts, the final status.
 *
 * <p>Exactly once. The cursor is replaced atomically after each accepted call. A crash or a
 * timeout between the server accepting a call and the cursor being saved leaves that call in
 * doubt; every (re)attachment therefore first reads the run back from the server (its params and
 * the latest step of every metric) and sends only metric points above those steps (a journal's
 * steps strictly increase per key, see {@link RunJournal}) and only params it lacks. Params with
 * the same value, tags, the status and artifacts (overwritten by path) are idempotent. So each
 * (key, step) reaches the server once, whatever fails when. A request the server refuses (HTTP
 * 4xx) is not retried for ever: it is logged, noted in {@code run.jsonl.rejected} and skipped; the
 * journal keeps the data.
 *
 * <p>One deliverer per journal: {@link #open} takes a lock file beside the journal.
 */
public final class MlflowDelivery implements AutoCloseable {
    static final String JOURNAL_RUN_ID_TAG = "mae.journal_run_id";
    private static final int READ_AHEAD = 5000;
    private static final Logger log = LoggerFactory.getLogger(MlflowDelivery.class);

    private final Path journal;
    private final String experimentName;
    private final MlflowConnection conn;
    private final JournalTail tail;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final List<JournalRecord> pending = new ArrayList<>();
    private final Map<String, String> resolvedRefs = new HashMap<>();
    private DeliveryCursor cursor;
    private Session session;

    /** What this attachment knows the server has. */
    private static final class Session {
        final Map<String, String> params = new HashMap<>();
        final Map<String, Long> latestStep = new HashMap<>();
        boolean created;
    }

    private MlflowDelivery(Path journal, String trackingUri, String experimentName, Duration callTimeout,
                           FileChannel lockChannel, FileLock lock) {
        this.journal = journal;
        this.experimentName = experimentName == null || experimentName.isBlank() ? "Default" : experimentName;
        this.conn = new MlflowConnection(trackingUri, callTimeout);
        this.tail = new JournalTail(journal);
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * A deliverer of {@code journal} to the server at {@code trackingUri}.
     *
     * @throws IllegalStateException if another deliverer (a training process, a {@code runs sync}) holds the journal
     */
    public static MlflowDelivery open(Path journal, String trackingUri, String experimentName, Duration callTimeout)
            throws IOException {
        Path lockFile = journal.resolveSibling(journal.getFileName() + ".lock");
        Files.createDirectories(lockFile.toAbsolutePath().getParent());
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IllegalStateException(journal + " is being delivered by another process (lock " + lockFile + ")");
        }
        return new MlflowDelivery(journal, trackingUri, experimentName, callTimeout, ch, lock);
    }

    /** The journal record through which everything is on the server (0: nothing yet). */
    public synchronized long deliveredSeq() {
        return cursor == null ? 0 : cursor.deliveredSeq();
    }

    /** The MLflow run the journal goes to, once known. */
    public synchronized Optional<String> mlflowRunId() {
        return Optional.ofNullable(cursor).map(DeliveryCursor::mlflowRunId);
    }

    /**
     * Sends everything the journal holds now and the server has not got.
     *
     * @return the journal record through which everything is on the server
     * @throws DeliveryException the server failed or did not answer; call again later, nothing is lost
     */
    public synchronized long deliverPending() throws DeliveryException, IOException {
        try {
            if (session == null) {
                attach();
            }
            while (true) {
                if (pending.isEmpty()) {
                    for (JournalRecord r : tail.next(READ_AHEAD)) {
                        if (r.seq() > cursor.deliveredSeq()) {
                            pending.add(r);
                        }
                    }
                    if (pending.isEmpty()) {
                        return cursor.deliveredSeq();
                    }
                }
                deliver(new ArrayList<>(pending));
            }
        } catch (DeliveryException e) {
            session = null;             // in doubt: read the run back before sending again
            throw e;
        }
    }

    private void attach() throws DeliveryException, IOException {
        Session s = new Session();
        cursor = DeliveryCursor.load(journal);
        if (cursor != null && !cursor.trackingUri().equals(conn.trackingUri())) {
            throw new DeliveryException(journal + " goes to " + cursor.trackingUri() + ", not " + conn.trackingUri()
                    + " (delete " + DeliveryCursor.fileFor(journal) + " to send it to another server as a new run)", null, 400);
        }
        if (cursor == null) {
            JournalRecord start = firstRunStart();
            if (start == null) {
                return;     // nothing written yet
            }
            cursor = findOrCreateRun(start, s);
            cursor.save(journal);
        }
        if (!s.created) {
            Service.Run run = conn.call("get run " + cursor.mlflowRunId(), c -> c.getRun(cursor.mlflowRunId()));
            run.getData().getParamsList().forEach(p -> s.params.put(p.getKey(), p.getValue()));
            run.getData().getMetricsList().forEach(m -> s.latestStep.put(m.getKey(), m.getStep()));
        }
        session = s;
    }

    private JournalRecord firstRunStart() throws IOException {
        if (!Files.exists(journal)) {
            return null;
        }
        for (JournalRecord r : RunJournal.JournalReader.read(journal)) {
            if ("run_start".equals(r.type())) {
                return r;
            }
        }
        return null;
    }

    private DeliveryCursor findOrCreateRun(JournalRecord start, Session s) throws DeliveryException {
        String name = experimentName;
        String experimentId = conn.call("get experiment " + name, c -> c.getExperimentByName(name)
                .map(Service.Experiment::getExperimentId).orElse(null));
        if (experimentId == null) {
            try {
                experimentId = conn.call("create experiment " + name, c -> c.createExperiment(name));
            } catch (DeliveryException e) {
                if (!e.refused()) {
                    throw e;
                }       // created meanwhile by someone else
                experimentId = conn.call("get experiment " + name, c -> c.getExperimentByName(name).orElseThrow()
                        .getExperimentId());
            }
        }
        String expId = experimentId;
        String filter = "tags.`" + JOURNAL_RUN_ID_TAG + "` = '" + start.runId() + "'";
        List<Service.RunInfo> found = conn.call("search run " + start.runId(), c -> c.searchRuns(List.of(expId), filter));
        Service.RunInfo info = found.isEmpty() ? existingRun(start.runId()) : found.get(0);
        if (info == null) {
            Service.CreateRun.Builder req = Service.CreateRun.newBuilder().setExperimentId(expId).setStartTime(start.time())
                    .setUserId(System.getProperty("user.name", ""))
                    .addTags(Service.RunTag.newBuilder().setKey(JOURNAL_RUN_ID_TAG).setValue(start.runId()));
            if (start.name() != null) {
                req.setRunName(MlflowLimits.value(start.name(), MlflowLimits.MAX_TAG_VALUE));
            }
            info = conn.call("create run", c -> c.createRun(req.build()));
            s.created = true;
            log.info("tracking: MLflow run {} in experiment '{}' ({}) at {}", info.getRunId(), name, expId, conn.trackingUri());
        } else {
            log.info("tracking: continuing MLflow run {} at {}", info.getRunId(), conn.trackingUri());
        }
        return new DeliveryCursor(conn.trackingUri(), info.getExperimentId(), info.getRunId(), info.getArtifactUri(), 0);
    }

    /** The MLflow run whose id the journal's run id is (MLFLOW_RUN_ID / --run-id attaches to it), or null. */
    private Service.RunInfo existingRun(String runId) throws DeliveryException {
        try {
            return conn.call("get run " + runId, c -> c.getRun(runId)).getInfo();
        } catch (DeliveryException e) {
            if (e.status() == 404 || e.status() == 400) {
                return null;
            }
            throw e;
        }
    }

    /** Sends {@code records} (in journal order), saving the cursor after every accepted call. */
    private void deliver(List<JournalRecord> records) throws DeliveryException, IOException {
        Batch batch = new Batch();
        for (JournalRecord r : records) {
            switch (r.type()) {
                case "run_start" -> {
                    for (Object entry : runStartEntries(r)) {
                        if (!batch.fits(entry)) {
                            send(batch);
                        }
                        batch.add(entry);
                    }
                    batch.through = r.seq();
                    if (!session.created || r.step() != null && r.step() > 0) {
                        send(batch);
                        conn.run("set run RUNNING", c -> c.sendPost("runs/update", "{\"run_id\":\"" + cursor.mlflowRunId()
                                + "\",\"run_uuid\":\"" + cursor.mlflowRunId() + "\",\"status\":\"RUNNING\"}"));
                        advance(r.seq());
                    }
                }
                case "metric" -> {
                    String key = MlflowLimits.key(r.key());
                    if (r.step() > session.latestStep.getOrDefault(key, Long.MIN_VALUE)) {
                        Service.Metric m = Service.Metric.newBuilder().setKey(key).setValue(r.doubleValue())
                                .setTimestamp(r.time()).setStep(r.step()).build();
                        if (!batch.fits(m)) {
                            send(batch);
                        }
                        batch.add(m);
                    }
                    batch.through = r.seq();
                }
                case "artifact" -> {
                    send(batch);
                    upload(r);
                    advance(r.seq());
                }
                case "run_end" -> {
                    if (r.message() != null && !r.message().isBlank()) {
                        Service.RunTag t = tag("mae.error", r.message());
                        if (!batch.fits(t)) {
                            send(batch);
                        }
                        batch.add(t);
                    }
                    send(batch);
                    Service.RunStatus status = Service.RunStatus.valueOf(r.status());
                    conn.run("end run " + status, c -> c.setTerminated(cursor.mlflowRunId(), status, r.time()));
                    advance(r.seq());
                }
                default -> batch.through = r.seq();
            }
        }
        send(batch);
    }

    /** The params the server lacks and the tags of a run_start record. */
    private List<Object> runStartEntries(JournalRecord r) throws DeliveryException {
        List<Object> out = new ArrayList<>();
        List<String> cut = new ArrayList<>();
        Map<String, String> changed = new LinkedHashMap<>();
        if (r.params() != null) {
            new java.util.TreeMap<>(r.params()).forEach((k, v) -> {
                String key = MlflowLimits.key(k);
                String value = MlflowLimits.value(v, MlflowLimits.MAX_PARAM_VALUE);
                if (!key.equals(k) || !value.equals(v)) {
                    cut.add(k);
                }
                String known = session.params.get(key);
                if (known == null) {
                    out.add(Service.Param.newBuilder().setKey(key).setValue(value).build());
                    session.params.put(key, value);
                } else if (!known.equals(value)) {
                    changed.put(k, v);         // params are immutable: the new value goes in a tag
                }
            });
        }
        Map<String, String> tags = new LinkedHashMap<>();
        if (r.tags() != null) {
            tags.putAll(new java.util.TreeMap<>(r.tags()));
        }
        for (String ref : List.of(Lineage.PARENT_RUN_ID, Lineage.SOURCE_RUN_ID)) {
            if (tags.containsKey(ref)) {
                tags.put(ref, resolveRunRef(tags.get(ref)));
            }
        }
        if (r.name() != null) {
            tags.put("mlflow.runName", r.name());
        }
        tags.put(JOURNAL_RUN_ID_TAG, r.runId());
        if (r.path() != null) {
            tags.put("mae.output_dir", r.path());
        }
        if (r.step() != null && r.step() > 0) {
            tags.put("mae.resumed_at_step", String.valueOf(r.step()));
        }
        changed.forEach((k, v) -> tags.put("mae.resumed." + k, v));
        if (!changed.isEmpty()) {
            log.warn("tracking: params are immutable in MLflow; changed on resume, logged as tags mae.resumed.*: {}",
                    changed.keySet());
        }
        if (!cut.isEmpty()) {
            tags.put("mae.truncated_params", String.join(",", cut));
            log.warn("tracking: params over MLflow's limits (key {} / value {} chars) were shortened: {} "
                    + "(the full values are in the journal and config artifact)", MlflowLimits.MAX_KEY, MlflowLimits.MAX_PARAM_VALUE, cut);
        }
        tags.forEach((k, v) -> out.add(tag(k, v)));
        return out;
    }

    /** A journal run id of another run (sweep parent, pretraining source) as the MLflow run id it went to, if found. */
    private String resolveRunRef(String id) throws DeliveryException {
        if (resolvedRefs.containsKey(id)) {
            return resolvedRefs.get(id);
        }
        String filter = "tags.`" + JOURNAL_RUN_ID_TAG + "` = '" + id.replace("'", "") + "'";
        List<Service.RunInfo> found = conn.call("find run " + id, c -> {
            List<String> experiments = c.searchExperiments().getItems().stream().map(Service.Experiment::getExperimentId).toList();
            return experiments.isEmpty() ? List.<Service.RunInfo>of() : c.searchRuns(experiments, filter);
        });
        String resolved = found.isEmpty() ? id : found.get(0).getRunId();
        if (!found.isEmpty()) {
            resolvedRefs.put(id, resolved);      // an id not (yet) on the server is looked up again next time
        }
        return resolved;
    }

    private void upload(JournalRecord r) throws DeliveryException, IOException {
        Path file = Path.of(r.path());
        String dir = r.artifactDir() == null ? "" : r.artifactDir().replaceAll("^/+|/+$", "");
        String name = (dir.isEmpty() ? "" : dir + "/") + file.getFileName();
        if (!Files.isRegularFile(file)) {
            log.warn("tracking: artifact {} is gone; not uploaded", file);
            return;
        }
        try {
            conn.upload(cursor.artifactUri(), file, name);
        } catch (DeliveryException e) {
            if (!e.refused()) {
                throw e;
            }
            reject("artifact " + name, e);
        }
    }

    private void send(Batch batch) throws DeliveryException, IOException {
        if (!batch.isEmpty()) {
            try {
                conn.run("log-batch", c -> c.logBatch(cursor.mlflowRunId(), batch.metrics, batch.params, batch.tags));
            } catch (DeliveryException e) {
                if (!e.refused()) {
                    throw e;
                }
                reject("log-batch of " + batch.metrics.size() + " metrics, " + batch.params.size() + " params, "
                        + batch.tags.size() + " tags", e);
            }
            for (Service.Metric m : batch.metrics) {
                session.latestStep.merge(m.getKey(), m.getStep(), Math::max);
            }
        }
        if (batch.through > cursor.deliveredSeq()) {
            advance(batch.through);
        }
        batch.clear();
    }

    private void advance(long seq) throws IOException {
        cursor = cursor.at(seq);
        cursor.save(journal);
        pending.removeIf(r -> r.seq() <= seq);
    }

    private void reject(String what, DeliveryException e) throws IOException {
        String line = "after seq " + cursor.deliveredSeq() + ": " + what + " refused: " + e.getMessage();
        log.error("tracking: {} (kept in the journal; see {}.rejected)", line, journal.getFileName());
        Files.writeString(journal.resolveSibling(journal.getFileName() + ".rejected"), line + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static Service.RunTag tag(String k, String v) {
        return Service.RunTag.newBuilder().setKey(MlflowLimits.key(k))
                .setValue(MlflowLimits.value(v, MlflowLimits.MAX_TAG_VALUE)).build();
    }

    @Override
    public synchronized void close() {
        conn.close();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.debug("releasing the delivery lock: {}", e.toString());
        }
    }

    /** One log-batch call's worth, within the limits; {@code through}: the last journal record it completes. */
    private static final class Batch {
        final List<Service.Metric> metrics = new ArrayList<>();
        final List<Service.Param> params = new ArrayList<>();
        final List<Service.RunTag> tags = new ArrayList<>();
        long through;

        boolean fits(Object entry) {
            int entities = metrics.size() + params.size() + tags.size();
            if (entities >= MlflowLimits.MAX_ENTITIES_PER_BATCH) {
                return false;
            }
            return entry instanceof Service.Metric ? metrics.size() < MlflowLimits.MAX_METRICS_PER_BATCH
                    : params.size() + tags.size() < MlflowLimits.MAX_PARAMS_TAGS_PER_BATCH;
        }

        void add(Object entry) {
            if (entry instanceof Service.Metric m) {
                metrics.add(m);
            } else if (entry instanceof Service.Param p) {
                params.add(p);
            } else {
                tags.add((Service.RunTag) entry);
            }
        }

        boolean isEmpty() {
            return metrics.isEmpty() && params.isEmpty() && tags.isEmpty();
        }

        void clear() {
            metrics.clear();
            params.clear();
            tags.clear();
        }
    }
}
