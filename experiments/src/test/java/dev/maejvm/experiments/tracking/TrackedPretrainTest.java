package dev.maejvm.experiments.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.experiments.cli.MaeCommand;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mae pretrain --tracking-uri` against the in-process MLflow server: live, and down then synced. */
class TrackedPretrainTest {
    @TempDir
    Path dir;

    Path data() throws IOException {
        Path f = dir.resolve("toy-images-idx3-ubyte.gz");
        Random rng = new Random(2);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(f)))) {
            out.writeInt(2051);
            out.writeInt(64);
            out.writeInt(16);
            out.writeInt(16);
            for (int i = 0; i < 64 * 256; i++) {
                out.writeByte(rng.nextInt(256));
            }
        }
        return f;
    }

    String[] pretrain(Path out, String uri) throws IOException {
        return new String[] {"pretrain", "--data", data().toString(), "--out", out.toString(), "--preset", "micro",
            "--epochs", "2", "--batch-size", "16", "--workers", "1", "--tracking-uri", uri, "--experiment-name", "e2e",
            "--tag", "purpose=test"};
    }

    static void assertWholeRun(FakeMlflowServer server) {
        FakeMlflowServer.Run run = server.onlyRun();
        assertEquals("FINISHED", run.status);
        List<Long> steps = run.metrics.stream().filter(m -> m.key().equals("loss")).map(FakeMlflowServer.MetricPoint::step)
                .sorted().collect(Collectors.toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps, "every step once");
        assertEquals("micro", run.params.get("preset"));
        assertEquals("test", run.tags.get("purpose"));
        assertTrue(server.artifacts.keySet().stream().anyMatch(k -> k.endsWith("/artifacts/model/encoder.safetensors")),
                server.artifacts.keySet().toString());
        assertTrue(server.artifacts.keySet().stream().anyMatch(k -> k.endsWith("/artifacts/checkpoints/checkpoint-last.safetensors")));
    }

    @Test
    void aTrackedRunArrivesWhole() throws Exception {
        try (FakeMlflowServer server = new FakeMlflowServer()) {
            assertEquals(0, MaeCommand.newCommandLine().execute(pretrain(dir.resolve("run"), server.uri())));
            assertWholeRun(server);
            assertEquals("1", server.experiments.get("e2e"));
        }
    }

    @Test
    void trainingFinishesWithTheServerDownAndSyncDeliversItLater() throws Exception {
        FakeMlflowServer probe = new FakeMlflowServer();
        String uri = probe.uri();
        probe.close();
        Path out = dir.resolve("offline");
        assertEquals(0, MaeCommand.newCommandLine().execute(pretrain(out, uri)), "training never fails because of tracking");
        assertTrue(Files.exists(out.resolve("checkpoint-last.safetensors")));
        int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
        try (FakeMlflowServer server = FakeMlflowServer.onPort(port)) {
            assertEquals(0, MaeCommand.newCommandLine().execute("runs", "sync", out.toString(), "--tracking-uri", uri,
                    "--experiment-name", "e2e"));
            assertWholeRun(server);
            int calls = server.calls.get();
            assertEquals(0, MaeCommand.newCommandLine().execute("runs", "sync", out.toString(), "--tracking-uri", uri));
            assertEquals(calls, server.calls.get(), "a second sync sends nothing");
        }
    }
}
