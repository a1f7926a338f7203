package dev.maejvm.experiments.tracking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.pretrain.events.RunStart;
import dev.maejvm.pretrain.events.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run journal delivered to an in-process MLflow server: exactly what reached it, and under faults. */
class MlflowDeliveryTest {
    static final int STEPS = 1250;   // 2 metrics a step: 2500 points, three log-batches

    @TempDir
    Path dir;

    /** A journal of a whole run: 120 params, 2 metrics per step (one NaN), two artifacts, FINISHED. */
    Path journal() throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            params.put("param." + i, "v" + i);
        }
        params.put("long.value", "x".repeat(7000));
        Path ckpt = Files.write(dir.resolve("checkpoint.bin"), new byte[] {1, 2, 3, 4, 5});
        Path png = Files.write(dir.resolve("picture.png"), "png bytes".getBytes());
        try (RunJournal j = new RunJournal(dir)) {
            j.runStarted(new RunStart("pretrain", "run-a", params, Map.of("team", "vision"), dir, null, 0));
            for (long s = 1; s <= STEPS; s++) {
                j.stepEnded(s, 0, Map.of("loss", s == 7 ? Double.NaN : 1.0 / s, "lr", 1e-4));
            }
            j.artifactWritten(ckpt, "checkpoints");
            j.artifactWritten(png, "");
            j.runEnded(RunStatus.FINISHED, null);
        }
        return dir.resolve(RunJournal.FILE_NAME);
    }

    static void assertEveryStepOnce(FakeMlflowServer.Run run) {
        for (String key : List.of("loss", "lr")) {
            List<Long> steps = run.metrics.stream().filter(m -> m.key().equals(key)).map(FakeMlflowServer.MetricPoint::step)
                    .sorted().collect(Collectors.toList());
            assertEquals(STEPS, steps.size(), key + ": every step exactly once");
            assertEquals(1L, steps.get(0));
            assertEquals((long) STEPS, steps.get(STEPS - 1));
            assertEquals(STEPS, steps.stream().distinct().count(), key + ": no duplicates");
        }
    }

    @Test
    void deliversParamsMetricsTagsArtifactsAndStatusWithinTheLimits() throws Exception {
        Path journal = journal();
        try (FakeMlflowServer server = new FakeMlflowServer()) {
            MlflowDelivery d = new MlflowDelivery(server.uri(), "mae-tests", null, Map.of("owner", "ci"));
            assertTrue(d.deliver(journal) > 0);
            FakeMlflowServer.Run run = server.onlyRun();
            assertEquals("1", server.experiments.get("mae-tests"), "experiment created");
            assertEquals("run-a", run.name);
            assertEquals("FINISHED", run.status);
            assertEquals(121, run.params.size());
            assertEquals("v119", run.params.get("param.119"));
            assertEquals(6000, run.params.get("long.value").length(), "cut to MLflow's limit");
            assertEquals("long.value", run.tags.get("mae.truncated"), "and the cut is said");
            assertEquals("vision", run.tags.get("team"));
            assertEquals("ci", run.tags.get("owner"));
            assertEquals("run-a", run.tags.get("mlflow.runName"));
            assertEquals("LOCAL", run.tags.get("mlflow.source.type"));
            assertTrue(run.tags.containsKey("mlflow.user") && run.tags.containsKey("mlflow.source.git.commit"));
            assertEveryStepOnce(run);
            double nan = run.metrics.stream().filter(m -> m.key().equals("loss") && m.step() == 7).findFirst().orElseThrow().value();
            assertTrue(Double.isNaN(nan), "NaN must arrive as NaN, not 0 (got " + nan + ")");
            String base = "1/" + run.id + "/artifacts/";
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, server.artifacts.get(base + "checkpoints/checkpoint.bin"));
            assertArrayEquals("png bytes".getBytes(), server.artifacts.get(base + "picture.png"));
            int calls = server.calls.get();
            assertEquals(0, d.deliver(journal), "nothing left to send");
            assertEquals(calls, server.calls.get(), "and nothing sent again");
        }
    }

    @Test
    void systemMetricsAreSampledIntoTheJournalUnderMlflowNames() throws Exception {
        try (RunJournal j = new RunJournal(dir)) {
            j.runStarted(new RunStart("pretrain", "sys", Map.of(), Map.of(), dir, null, 0));
            SystemMetrics s = new SystemMetrics(j, 3600);
            s.runStarted(null);
            double busy = 0;
            for (int k = 0; k < 100_000_000; k++) {
                busy += Math.sqrt(k);       // some CPU between the samples (used below, so it is not optimised away)
            }
            s.sample();
            assertTrue(busy > 0);
            s.runEnded(RunStatus.FINISHED, null);
            j.runEnded(RunStatus.FINISHED, null);
        }
        var records = RunJournal.JournalReader.read(dir.resolve(RunJournal.FILE_NAME));
        Map<String, Double> m = new LinkedHashMap<>();
        records.stream().filter(r -> "metric".equals(r.type())).forEach(r -> m.put(r.key(), r.doubleValue()));
        double cpu = m.get("system/cpu_utilization_percentage");
        assertTrue(cpu > 0 && cpu <= 100, "cpu " + cpu);
        assertTrue(m.get("system/system_memory_usage_megabytes") > 0);
        assertTrue(m.get("system/process_rss_megabytes") > 10, m.toString());
    }

    @Test
    void aServerDownAtStartGetsEverythingLaterExactlyOnce() throws Exception {
        Path journal = journal();
        FakeMlflowServer probe = new FakeMlflowServer();
        String uri = probe.uri();
        probe.close();
        MlflowDelivery d = new MlflowDelivery(uri, "mae-tests", null, Map.of());
        assertThrows(Exception.class, () -> d.deliver(journal));
        int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
        try (FakeMlflowServer server = FakeMlflowServer.onPort(port)) {
            d.deliver(journal);
            assertEveryStepOnce(server.onlyRun());
            assertEquals("FINISHED", server.onlyRun().status);
        }
    }

    @Test
    void aBatchAcceptedButUnansweredIsNotDuplicated() throws Exception {
        Path journal = journal();
        try (FakeMlflowServer server = new FakeMlflowServer()) {
            MlflowDelivery d = new MlflowDelivery(server.uri(), "mae-tests", null, Map.of());
            // the first metrics batch is stored but the connection drops before the answer: the
            // delivery cannot know it arrived, and must not send its points twice
            server.loseFirstMetricsAnswer = true;
            assertThrows(Exception.class, () -> d.deliver(journal));
            d.deliver(journal);
            assertEveryStepOnce(server.onlyRun());
        }
    }
}
