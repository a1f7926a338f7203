package dev.maejvm.experiments.tracking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;

/**
 * Against a real MLflow tracking server, only when one is given:
 * {@code MAE_TEST_TRACKING_URI=http://127.0.0.1:5000} (or {@code -Dmae.test.trackingUri=...});
 * skipped otherwise. docs/TRACKING.md says how to start one.
 */
class RealMlflowServerTest {
    @TempDir
    Path dir;

    static String uri() {
        String u = System.getProperty("mae.test.trackingUri", System.getenv("MAE_TEST_TRACKING_URI"));
        return u == null || u.isBlank() ? null : u;
    }

    @Test
    void aRunReachesARealServerWithEverything() throws Exception {
        String uri = uri();
        assumeTrue(uri != null, "set MAE_TEST_TRACKING_URI to run against a real MLflow server");
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        byte[] bytes = "encoder weights".getBytes();
        Files.write(out.resolve("encoder.safetensors"), bytes);
        String experiment = "mae-real-test-" + System.currentTimeMillis();
        DeliverySettings settings = new DeliverySettings(java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(50),
                java.time.Duration.ofMillis(50), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30),
                java.time.Duration.ofSeconds(1), java.time.Duration.ZERO);
        String journalId;
        try (Tracker t = new Tracker(new TrackingConfig(uri, experiment, null, null, Map.of("team", "vision")), settings)) {
            journalId = t.runStarted(new RunStart("pretrain", "real", TrackerTest.params(120), Map.of(), out, null, 0));
            TrackerTest.steps(t, 1, 1200);
            t.artifactWritten(out.resolve("encoder.safetensors"), "model");
            t.runEnded(RunStatus.FINISHED, null);
        }
        try (MlflowClient c = new MlflowClient(uri)) {
            String expId = c.getExperimentByName(experiment).orElseThrow().getExperimentId();
            List<Service.RunInfo> runs = c.searchRuns(List.of(expId), "tags.`mae.journal_run_id` = '" + journalId + "'");
            assertEquals(1, runs.size());
            Service.Run run = c.getRun(runs.get(0).getRunId());
            assertEquals(Service.RunStatus.FINISHED, run.getInfo().getStatus());
            assertEquals(120, run.getData().getParamsCount());
            List<Service.Metric> loss = c.getMetricHistory(run.getInfo().getRunId(), "loss");
            assertEquals(1200, loss.size());
            assertEquals(1200, loss.stream().map(Service.Metric::getStep).distinct().count());
            assertTrue(Double.isNaN(loss.stream().filter(m -> m.getStep() == 7).findFirst().orElseThrow().getValue()));
            String artifact = run.getInfo().getArtifactUri().replaceFirst("^mlflow-artifacts:/*", "");
            HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    uri + "/api/2.0/mlflow-artifacts/artifacts/" + artifact + "/model/encoder.safetensors")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertArrayEquals(bytes, r.body());
        }
    }
}
