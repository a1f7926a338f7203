package dev.maejvm.experiments.tracking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maejvm.pretrain.events.RunStart;
import dev.maejvm.pretrain.events.RunStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;

/**
 * Opt-in: against a real MLflow tracking server, when MAE_TEST_TRACKING_URI (environment) or
 * mae.test.trackingUri (system property) names one; skipped otherwise (CI has none). How to run
 * one: docs/TRACKING.md.
 */
class RealMlflowServerTest {
    @TempDir
    Path dir;

    static String uri() {
        String u = System.getProperty("mae.test.trackingUri", System.getenv("MAE_TEST_TRACKING_URI"));
        return u == null || u.isBlank() ? null : u;
    }

    @Test
    void aJournalArrivesWholeOnARealServer() throws Exception {
        String uri = uri();
        assumeTrue(uri != null, "set MAE_TEST_TRACKING_URI to run against a real MLflow server");
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            params.put("param." + i, "v" + i);
        }
        Path artifact = Files.write(dir.resolve("weights.bin"), new byte[] {9, 8, 7, 6});
        try (RunJournal j = new RunJournal(dir)) {
            j.runStarted(new RunStart("pretrain", "real-server-test", params, Map.of("team", "vision"), dir, null, 0));
            for (long s = 1; s <= 1200; s++) {
                j.stepEnded(s, 0, Map.of("loss", s == 5 ? Double.NaN : 1.0 / s));
            }
            j.artifactWritten(artifact, "model");
            j.runEnded(RunStatus.FINISHED, null);
        }
        Path journal = dir.resolve(RunJournal.FILE_NAME);
        new MlflowDelivery(uri, "mae-real-server-test", null, Map.of()).deliver(journal);
        DeliveryState state = DeliveryState.load(journal);
        MlflowClient client = new MlflowClient(uri);
        Service.Run run = client.getRun(state.mlflowRunId());
        assertEquals(Service.RunStatus.FINISHED, run.getInfo().getStatus());
        assertEquals(120, run.getData().getParamsCount());
        assertTrue(run.getData().getTagsList().stream().anyMatch(t -> t.getKey().equals("team") && t.getValue().equals("vision")));
        List<Service.Metric> history = client.getMetricHistory(state.mlflowRunId(), "loss");
        assertEquals(1200, history.size(), "every step once");
        assertEquals(1200, history.stream().mapToLong(Service.Metric::getStep).distinct().count());
        double nan = history.stream().filter(m -> m.getStep() == 5).findFirst().orElseThrow().getValue();
        assertTrue(Double.isNaN(nan), "NaN stored as NaN, got " + nan);
        String path = state.artifactUri().substring("mlflow-artifacts:".length()).replaceFirst("^/+", "");
        HttpResponse<byte[]> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(uri + "/api/2.0/mlflow-artifacts/artifacts/" + path + "/model/weights.bin")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(new byte[] {9, 8, 7, 6}, got.body(), "artifact byte-equal");
    }
}
