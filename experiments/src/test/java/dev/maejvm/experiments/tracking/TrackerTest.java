package dev.maejvm.experiments.tracking;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.experiments.cli.MaeCommand;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Tracker against the in-process MLflow server: what reaches it, exactly once, whatever the server does. */
class TrackerTest {
    static final DeliverySettings FAST = new DeliverySettings(Duration.ofSeconds(2), Duration.ofMillis(20),
            Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ZERO);

    @TempDir
    Path dir;
    FakeMlflowServer server;

    @BeforeEach
    void setUp() {
        server = new FakeMlflowServer();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    TrackingConfig config() {
        return new TrackingConfig(server.uri(), "mae-test", null, null, Map.of("team", "vision"));
    }

    static Map<String, String> params(int n) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            p.put(String.format("model.p%03d", i), String.valueOf(i));
        }
        return p;
    }

    static Map<String, Double> stepMetrics(long step) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", step == 7 ? Double.NaN : step == 8 ? Double.POSITIVE_INFINITY : 1.0 / step);
        m.put("lr", 1e-3);
        return m;
    }

    static void steps(Tracker t, long from, long to) {
        for (long s = from; s <= to; s++) {
            t.stepEnded(s, 0, stepMetrics(s));
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Every step of [1, last] exactly once for the step metrics. */
    static void assertEveryStepOnce(FakeMlflowServer.Run run, long last) {
        for (String key : List.of("loss", "lr")) {
            List<Long> steps = run.history(key).stream().map(FakeMlflowServer.Point::step).sorted().toList();
            assertEquals(LongStream.rangeClosed(1, last).boxed().toList(), steps, key + " steps on the server");
        }
    }

    int sync(Path runDir) {
        return MaeCommand.newCommandLine().execute("runs", "sync", runDir.toString(), "--tracking-uri", server.uri(),
                "--experiment-name", "mae-test", "--timeout", "PT2S");
    }

    @Test
    void everyParamMetricTagArtifactAndTheStatusReachTheServerOnce() throws Exception {
        server.start();
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        Map<String, String> p = params(150);                        // over 100 params: several batches
        String longKey = "k".repeat(300);
        String longValue = "v".repeat(7000);
        p.put(longKey, "1");
        p.put("data.files", longValue);
        byte[] ckpt = new byte[200_000];
        new Random(1).nextBytes(ckpt);
        Files.write(out.resolve("checkpoint.bin"), ckpt);
        Files.writeString(out.resolve("config.json"), "{\"a\": 1}");

        String id;
        try (Tracker t = new Tracker(config(), FAST)) {
            id = t.runStarted(new RunStart("pretrain", "pretrain-tiny", p, Map.of(), out, null, 0));
            t.artifactWritten(out.resolve("config.json"), "");
            steps(t, 1, 1300);                                      // 2600 points: over 1000 per batch
            t.epochEnded(0, 1300, Map.of("train_loss", 0.5));
            t.artifactWritten(out.resolve("checkpoint.bin"), "checkpoints");
            t.runEnded(RunStatus.FINISHED, null);
        }

        FakeMlflowServer.Run run = server.onlyRun();
        assertEquals(server.experiments.get("mae-test"), run.experimentId, "the experiment was created");
        assertEveryStepOnce(run, 1300);
        List<FakeMlflowServer.Point> loss = run.history("loss");
        assertTrue(Double.isNaN(loss.stream().filter(x -> x.step() == 7).findFirst().orElseThrow().value()), "NaN kept");
        assertEquals(Double.MAX_VALUE, loss.stream().filter(x -> x.step() == 8).findFirst().orElseThrow().value());
        assertEquals(List.of(1300L), run.history("epoch").stream().map(FakeMlflowServer.Point::step).toList());
        assertEquals(0.5, run.history("train_loss").get(0).value());

        assertEquals(152, run.params.size());
        assertEquals("42", run.params.get("model.p042"));
        assertEquals(MlflowLimits.key(longKey), run.params.keySet().stream().filter(k -> k.startsWith("kkk")).findFirst().orElseThrow());
        assertTrue(run.params.get("data.files").endsWith("...[truncated: 7000 chars]"));
        assertEquals(6000, run.params.get("data.files").length());
        assertEquals(longKey.length() > 0 ? "data.files," + longKey : "", run.tags.get("mae.truncated_params"));

        assertEquals("pretrain-tiny", run.tags.get("mlflow.runName"));
        assertEquals("mae pretrain", run.tags.get("mlflow.source.name"));
        assertEquals("LOCAL", run.tags.get("mlflow.source.type"));
        assertEquals(System.getProperty("user.name"), run.tags.get("mlflow.user"));
        assertEquals("vision", run.tags.get("team"));
        assertEquals(id, run.tags.get(MlflowDelivery.JOURNAL_RUN_ID_TAG));

        String root = run.experimentId + "/" + run.id + "/artifacts/";
        assertArrayEquals(ckpt, server.artifacts.get(root + "checkpoints/checkpoint.bin"));
        assertArrayEquals(Files.readAllBytes(out.resolve("config.json")), server.artifacts.get(root + "config.json"));
        assertEquals("FINISHED", run.status);
        assertTrue(run.endTime > 0);
        assertFalse(server.calls.stream().anyMatch(c -> c.contains("log-metric") || c.contains("log-parameter")),
                "batched: " + server.calls.stream().distinct().toList());
        assertFalse(Files.exists(out.resolve("run.jsonl.rejected")), "nothing refused");
        assertTrue(Files.exists(out.resolve("loss.png")));
    }

    @Test
    void serverDownAtTheStartThenSyncDeliversItOnce() throws Exception {
        server.reservePort();
        Path out = dir.resolve("run");
        long t0 = System.nanoTime();
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("pretrain", "down", params(3), Map.of(), out, null, 0));
            steps(t, 1, 50);
            t.runEnded(RunStatus.FINISHED, null);
        }
        assertTrue(System.nanoTime() - t0 < 8_000_000_000L, "the run did not wait for the absent server");
        assertEquals(0, DeliveryCursor.load(out.resolve(RunJournal.FILE_NAME)) == null ? 0 : 1, "nothing delivered");

        server.start();
        assertEquals(0, sync(out));
        FakeMlflowServer.Run run = server.onlyRun();
        assertEveryStepOnce(run, 50);
        assertEquals("FINISHED", run.status);
        assertEquals(3, run.params.size());
        int calls = server.calls.size();
        assertEquals(0, sync(out));                         // again: nothing more reaches the server
        assertEveryStepOnce(server.onlyRun(), 50);
        assertEquals(List.of("GET /api/2.0/mlflow/runs/get"), server.calls.subList(calls, server.calls.size()));
    }

    @Test
    void serverGoingDownMidRunAndBackLosesAndDuplicatesNothing() throws Exception {
        server.start();
        Path out = dir.resolve("run");
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("pretrain", "flaky", params(3), Map.of(), out, null, 0));
            steps(t, 1, 10);
            await(() -> server.runs.size() == 1 && server.onlyRun().history("loss").size() == 10, "the first steps");
            server.stop();
            steps(t, 11, 20);
            server.start();
            server.fail500.set(4);                          // and a few 500s when it is back
            steps(t, 21, 30);
            t.runEnded(RunStatus.FINISHED, null);
        }
        assertEquals(0, sync(out));
        FakeMlflowServer.Run run = server.onlyRun();
        assertEveryStepOnce(run, 30);
        assertEquals("FINISHED", run.status);
    }

    @Test
    void slowAnswersThatArriveAfterTheClientGaveUpAreNotDuplicated() throws Exception {
        server.start();
        server.delayMs = 400;
        server.delayOnly = "runs/create";                   // created, but the answer comes too late
        DeliverySettings impatient = new DeliverySettings(Duration.ofMillis(250), Duration.ofMillis(20),
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ZERO);
        Path out = dir.resolve("run");
        try (Tracker t = new Tracker(config(), impatient)) {
            t.runStarted(new RunStart("pretrain", "slow", params(3), Map.of(), out, null, 0));
            steps(t, 1, 10);
            await(() -> server.runs.size() >= 1, "the late create");
            server.delayCount.set(3);                       // then three batches applied, answered too late
            server.delayOnly = "log-batch";
            await(() -> server.delayCount.get() <= 0, "the late batches");
            steps(t, 11, 25);
            t.runEnded(RunStatus.FINISHED, null);
        }
        assertEquals(0, sync(out));
        long batches = server.calls.stream().filter(c -> c.endsWith("runs/log-batch")).count();
        assertTrue(batches >= 4, "the three late batches and what came after: " + batches);
        FakeMlflowServer.Run run = server.onlyRun();         // one run, though runs/create timed out
        assertEveryStepOnce(run, 25);
        assertEquals("FINISHED", run.status);
    }

    @Test
    void aCrashBetweenTheBatchAndTheCursorDoesNotSendItTwice() throws Exception {
        server.start();
        Path out = dir.resolve("run");
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("pretrain", "crash", params(120), Map.of(), out, null, 0));
            steps(t, 1, 40);
            t.runEnded(RunStatus.FINISHED, null);
        }
        Path journal = out.resolve(RunJournal.FILE_NAME);
        DeliveryCursor done = DeliveryCursor.load(journal);
        assertEquals(new RunJournal(out).file(), journal);
        done.at(0).save(journal);                           // as if the process died before saving the cursor
        assertEquals(0, sync(out));
        FakeMlflowServer.Run run = server.onlyRun();
        assertEveryStepOnce(run, 40);
        assertEquals(120, run.params.size());
        assertEquals(done.deliveredSeq(), DeliveryCursor.load(journal).deliveredSeq());
    }

    @Test
    void aResumedRunContinuesTheSameMlflowRunWithoutRepeatingSteps() throws Exception {
        server.start();
        Path out = dir.resolve("run");
        Map<String, String> p = new LinkedHashMap<>(params(2));
        p.put("epochs", "1");
        String id;
        try (Tracker t = new Tracker(config(), FAST)) {      // dies at step 20; its checkpoint is at step 10
            id = t.runStarted(new RunStart("pretrain", "resume", p, Map.of(), out, null, 0));
            steps(t, 1, 20);
        }
        p.put("epochs", "2");
        try (Tracker t = new Tracker(config(), FAST)) {
            assertEquals(id, t.runStarted(new RunStart("pretrain", "resume", p, Map.of(), out, id, 10)));
            steps(t, 11, 30);                               // 11..20 again, as the resumed loop does
            t.runEnded(RunStatus.FINISHED, null);
        }
        assertEquals(0, sync(out));
        FakeMlflowServer.Run run = server.onlyRun();
        assertEveryStepOnce(run, 30);
        assertEquals("1", run.params.get("epochs"), "params are immutable");
        assertEquals("2", run.tags.get("mae.resumed.epochs"));
        assertEquals("10", run.tags.get("mae.resumed_at_step"));
        assertEquals("FINISHED", run.status);
        long journalPoints = RunJournal.JournalReader.read(out.resolve(RunJournal.FILE_NAME)).stream()
                .filter(r -> "loss".equals(r.key())).count();
        assertEquals(30, journalPoints, "the journal holds each step once too");
    }

    @Test
    void aResumeFromAnotherFolderFindsTheRunByItsJournalId() throws Exception {
        server.start();
        String id;
        try (Tracker t = new Tracker(config(), FAST)) {
            id = t.runStarted(new RunStart("pretrain", "a", params(2), Map.of(), dir.resolve("a"), null, 0));
            steps(t, 1, 20);
            t.runEnded(RunStatus.KILLED, null);
        }
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("pretrain", "a", params(2), Map.of(), dir.resolve("b"), id, 10));
            steps(t, 11, 30);
            t.runEnded(RunStatus.FINISHED, null);
        }
        assertEquals(0, sync(dir));
        FakeMlflowServer.Run run = server.onlyRun();
        assertEveryStepOnce(run, 30);
        assertEquals("FINISHED", run.status);
    }

    @Test
    void failuresAndSignalsEndTheRunWithTheRightStatus() throws Exception {
        server.start();
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("finetune", "failed", params(1), Map.of(), dir.resolve("f"), null, 0));
            steps(t, 1, 3);
            t.runEnded(RunStatus.FAILED, "NonFiniteLossException: Loss is NaN at epoch 0");
        }
        assertEquals("FAILED", server.runWithTag("mlflow.runName", "failed").status);
        assertEquals("NonFiniteLossException: Loss is NaN at epoch 0", server.runWithTag("mlflow.runName", "failed").tags.get("mae.error"));

        Tracker t = new Tracker(config(), FAST);
        t.runStarted(new RunStart("pretrain", "killed", params(1), Map.of(), dir.resolve("k"), null, 0));
        steps(t, 1, 3);
        t.onSignal();                                       // what the shutdown hook does on SIGTERM / Ctrl-C
        t.runEnded(RunStatus.FINISHED, null);               // too late: the first word stands
        t.close();
        FakeMlflowServer.Run killed = server.runWithTag("mlflow.runName", "killed");
        assertEquals("KILLED", killed.status);
        assertEveryStepOnce(killed, 3);
        assertEquals(1, RunJournal.JournalReader.read(dir.resolve("k").resolve(RunJournal.FILE_NAME)).stream()
                .filter(r -> "run_end".equals(r.type())).count());
    }

    @Test
    void lineageAndSweepsLinkToTheMlflowRunIds() throws Exception {
        server.start();
        String pretrainId;
        try (Tracker t = new Tracker(config(), FAST)) {
            pretrainId = t.runStarted(new RunStart("pretrain", "pre", params(1), Map.of(), dir.resolve("pre"), null, 0));
            t.runEnded(RunStatus.FINISHED, null);
        }
        Path ckpt = dir.resolve("pre").resolve("checkpoint.bin");
        try (Sweep sweep = Sweep.start(config(), FAST, "lr-sweep", Map.of("lr", "1e-3,1e-4"), dir.resolve("sweep"))) {
            Lineage lineage = Lineage.fromCheckpoint(pretrainId, ckpt).inSweep(sweep.parentRunId());
            try (Tracker t = new Tracker(config(), FAST)) {
                t.runStarted(new RunStart("finetune", "child", lineage.params(), lineage.tags(), dir.resolve("sweep/c0"), null, 0));
                t.runEnded(RunStatus.FINISHED, null);
            }
            sweep.end(RunStatus.FINISHED, null);
        }
        FakeMlflowServer.Run pre = server.runWithTag("mlflow.runName", "pre");
        FakeMlflowServer.Run parent = server.runWithTag("mlflow.runName", "lr-sweep");
        FakeMlflowServer.Run child = server.runWithTag("mlflow.runName", "child");
        assertEquals(parent.id, child.tags.get("mlflow.parentRunId"));
        assertEquals(pre.id, child.tags.get("mae.source.run_id"));
        assertEquals(ckpt.toAbsolutePath().toString(), child.tags.get("mae.source.checkpoint"));
        assertEquals(ckpt.toAbsolutePath().toString(), child.params.get("source.checkpoint"));
        assertEquals("FINISHED", parent.status);
    }

    @Test
    void artifactsGoStraightIntoALocalArtifactPath() throws Exception {
        server.localArtifactRoot = dir.resolve("store");
        server.start();
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        Files.write(out.resolve("encoder.safetensors"), new byte[] {1, 2, 3, 4});
        try (Tracker t = new Tracker(config(), FAST)) {
            t.runStarted(new RunStart("pretrain", "local", Map.of(), Map.of(), out, null, 0));
            t.artifactWritten(out.resolve("encoder.safetensors"), "model");
            t.runEnded(RunStatus.FINISHED, null);
        }
        FakeMlflowServer.Run run = server.onlyRun();
        Path stored = dir.resolve("store").resolve(run.experimentId).resolve(run.id).resolve("artifacts/model/encoder.safetensors");
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(stored));
        assertTrue(server.artifacts.isEmpty());
    }

    @Test
    void withoutATrackingUriTheJournalIsTheRecord() throws IOException {
        Path out = dir.resolve("run");
        try (Tracker t = new Tracker(TrackingConfig.local(), FAST)) {
            t.runStarted(new RunStart("pretrain", "offline", params(2), Map.of(), out, null, 0));
            steps(t, 1, 5);
            t.runEnded(RunStatus.FINISHED, null);
        }
        List<JournalRecord> records = RunJournal.JournalReader.read(out.resolve(RunJournal.FILE_NAME));
        assertEquals("mae pretrain", records.get(0).tags().get("mlflow.source.name"));
        assertEquals(10, records.stream().filter(r -> "metric".equals(r.type())).count());
        assertEquals("FINISHED", records.get(records.size() - 1).status());
        assertTrue(Files.size(out.resolve("loss.png")) > 0);
        assertFalse(Files.exists(DeliveryCursor.fileFor(out.resolve(RunJournal.FILE_NAME))));
    }
}
