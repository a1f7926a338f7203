package dev.maejvm.pretrain.checkpoint;

import dev.maejvm.train.Checkpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Kills (SIGKILL) a process that is rewriting a 74 MB checkpoint, at different moments of the
 * write, and loads what is left: it must always be a whole checkpoint, the last one completed or
 * the one in flight, never a torn file.
 */
class CheckpointKillTest {
    @TempDir
    Path dir;

    @Test
    void aKillAtAnyMomentLeavesAWholeCheckpoint() throws Exception {
        Path file = dir.resolve(PretrainCheckpoint.FILE_NAME);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        PretrainConfig cfg = PretrainConfig.defaults("tiny");
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 0);
        AdamW opt = new AdamW(model.params(), AdamWConfig.MAE_PRETRAIN);
        long[] delaysMs = {0, 37, 111, 263};
        for (long delay : delaysMs) {
            Process p = new ProcessBuilder(javaBin, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    CheckpointWriterLoop.class.getName(), file.toString())
                    .redirectError(new File("/dev/null")).start();
            java.util.concurrent.atomic.AtomicLong lastWritten = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lastWritten.set(Long.parseLong(line.substring("wrote ".length())));
                        if (lastWritten.get() == 2) {
                            second.countDown();
                        }
                    }
                } catch (java.io.IOException closedByKill) {
                    // the pipe closes when the process is killed
                }
            });
            reader.start();
            assertTrue(second.await(120, java.util.concurrent.TimeUnit.SECONDS), "the writer process never wrote twice");
            Thread.sleep(delay);
            p.destroyForcibly().waitFor();
            reader.join(10_000);
            Checkpoint.Info info = PretrainCheckpoint.restore(file, model, opt);
            long step = info.state().step();
            assertTrue(step == lastWritten.get() || step == lastWritten.get() + 1,
                    "after a kill " + delay + " ms into writing, the checkpoint is step " + step
                            + " but the last completed write was " + lastWritten);
            // the parameters are those of that step: init + step (every step added 1)
            MaskedAutoencoder init = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 0);
            double expected = init.params().values().getDouble(0) + step;
            assertEquals(expected, model.params().values().getDouble(0), 1e-3, "parameter 0 after a kill");
        }
    }
}
