package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.vit.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every pretraining command end to end on a tiny IDX dataset made here, through the same
 * command line the user types (the micro preset, a few epochs).
 */
class PretrainCommandTest {
    @TempDir
    Path dir;

    /** 256 images 16x16 of oriented stripes with random frequency and phase. */
    Path stripes() throws IOException {
        Path f = dir.resolve("stripes-images-idx3-ubyte.gz");
        Random rng = new Random(1);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(f)))) {
            out.writeInt(2051);
            out.writeInt(256);
            out.writeInt(16);
            out.writeInt(16);
            for (int n = 0; n < 256; n++) {
                double fx = 0.2 + 0.5 * rng.nextDouble();
                double fy = 0.2 + 0.5 * rng.nextDouble();
                double ph = 6.28 * rng.nextDouble();
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        out.writeByte((int) (127.5 + 127 * Math.sin(fx * x + fy * y + ph)));
                    }
                }
            }
        }
        return f;
    }

    record Run(int exit, String err) {}

    /** Runs the command line as `mae ARGS`, capturing everything written to stderr. */
    static Run mae(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            // built after the swap: picocli's writers bind to the System.err of that moment
            int code = MaeCommand.newCommandLine().execute(args);
            return new Run(code, captured.toString());
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void pretrainLearnsCheckpointsResumesExportsAndReconstructs() throws IOException {
        Path data = stripes();
        Path out = dir.resolve("run");
        Run r = mae("pretrain", "--data", data.toString(), "--out", out.toString(), "--preset", "micro",
                "--epochs", "6", "--batch-size", "32", "--lr", "2e-3", "--warmup-epochs", "1", "--checkpoint-every", "2",
                "--workers", "2");
        assertEquals(0, r.exit(), r.err());
        List<String> epochs = Files.readAllLines(out.resolve("log.txt"));
        assertEquals(6, epochs.size());
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(epochs.get(0));
        JsonNode last = json.readTree(epochs.get(5));
        assertTrue(last.get("train_loss").asDouble() < 0.8 * first.get("train_loss").asDouble(),
                "loss should fall: " + epochs);
        assertTrue(Files.exists(out.resolve("reconstructions/epoch-005-image-3.png")));
        assertEquals(48, PretrainCheckpoint.info(out.resolve(PretrainCheckpoint.FILE_NAME)).state().step());
        assertTrue(SafeTensors.read(out.resolve("encoder.safetensors"), DataType.FLOAT).tensors().containsKey("blocks.1.mlp.fc2.bias"));

        // resume to 8 epochs: continues at step 48, does not restart
        r = mae("pretrain", "--data", data.toString(), "--out", out.toString(), "--epochs", "8");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("resuming") && r.err().contains("step 48"), r.err());
        assertEquals(64, PretrainCheckpoint.info(out.resolve(PretrainCheckpoint.FILE_NAME)).state().step());
        assertEquals(8, Files.readAllLines(out.resolve("log.txt")).size());

        // the run journal: one run id, kept across the resume and stored in the checkpoint; every
        // step's loss recorded once; FINISHED; loss curves drawn
        var records = dev.maejvm.experiments.tracking.RunJournal.JournalReader.read(out.resolve("run.jsonl"));
        var starts = records.stream().filter(x -> x.type().equals("run_start")).toList();
        assertEquals(2, starts.size());
        assertEquals(starts.get(0).runId(), starts.get(1).runId(), "a resumed run continues the same run");
        assertEquals(starts.get(0).runId(), PretrainCheckpoint.info(out.resolve(PretrainCheckpoint.FILE_NAME)).state().runId());
        var lossSteps = records.stream().filter(x -> "loss".equals(x.key())).map(x -> x.step()).toList();
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 64).boxed().toList(), lossSteps, "each step once, in order");
        assertEquals("FINISHED", records.get(records.size() - 1).status());
        assertTrue(Files.size(out.resolve("loss.png")) > 1000);
        assertTrue(records.stream().anyMatch(x -> "artifact".equals(x.type()) && x.path().endsWith("encoder.safetensors")));
        PrintStream oldOut0 = System.out;
        ByteArrayOutputStream listed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(listed, true));
        try {
            assertEquals(0, mae("runs", "list", dir.toString()).exit());
            assertEquals(0, mae("runs", "show", starts.get(0).runId(), "--root", dir.toString()).exit());
        } finally {
            System.setOut(oldOut0);
        }
        assertTrue(listed.toString().contains(starts.get(0).runId() + "  pretrain   FINISHED      64"), listed.toString());
        assertTrue(listed.toString().contains("model.encoder.embedDim") && listed.toString().contains("loss curves:"), listed.toString());

        // a changed hyper-parameter on resume is refused, naming it
        r = mae("pretrain", "--data", data.toString(), "--out", out.toString(), "--batch-size", "16");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("batchSize 16 (the checkpoint has 32)"), r.err());

        // reconstruct with given noise: deterministic, and the loss printed matches the arrays written
        Path recon = dir.resolve("recon");
        Path noise = dir.resolve("noise.npy");
        Nd4j.writeAsNumpy(Nd4j.rand(DataType.FLOAT, 3, 16), noise.toFile());
        PrintStream oldOut = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true));
        try {
            r = mae("reconstruct", "--checkpoint", out.resolve(PretrainCheckpoint.FILE_NAME).toString(), "--images",
                    data.toString(), "--limit", "3", "--noise", noise.toString(), "--out", recon.toString());
        } finally {
            System.setOut(oldOut);
        }
        assertEquals(0, r.exit(), r.err());
        assertTrue(stdout.toString().contains("loss over removed patches: "), "stdout: " + stdout + " stderr: " + r.err());
        var mask = Nd4j.createFromNpyFile(recon.resolve("mask.npy").toFile());
        assertEquals(3 * 12, mask.sumNumber().intValue(), "12 of 16 patches removed per image");
        assertEquals(3 * 16 * 16, Nd4j.createFromNpyFile(recon.resolve("prediction.npy").toFile()).length());
        assertTrue(Files.size(recon.resolve("reconstruction-2.png")) > 500);

        Path exported = dir.resolve("enc.safetensors");
        r = mae("export", "--checkpoint", out.resolve(PretrainCheckpoint.FILE_NAME).toString(), "--out", exported.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(SafeTensors.read(out.resolve("encoder.safetensors"), null).tensors().keySet(),
                SafeTensors.read(exported, null).tensors().keySet());
    }

    @Test
    void reconImagesZeroTrainsWithoutPictures() throws IOException {
        Path out = dir.resolve("nopics");
        Run r = mae("pretrain", "--data", stripes().toString(), "--out", out.toString(), "--preset", "micro",
                "--epochs", "1", "--batch-size", "64", "--recon-images", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(4, PretrainCheckpoint.info(out.resolve(PretrainCheckpoint.FILE_NAME)).state().step());
        assertFalse(Files.exists(out.resolve("reconstructions")));
        assertTrue(r.err().contains("reconstructions:  none (--recon-images 0)"), r.err());
    }

    @Test
    void badConfigurationNamesTheFieldAndMissingDataNamesThePath() {
        Run bad = mae("pretrain", "--data", dir.toString(), "--out", dir.resolve("o0").toString(), "--recon-images", "-1");
        assertEquals(ExitCodes.USAGE, bad.exit());
        assertTrue(bad.err().contains("--recon-images must be >= 0 (0: no pictures), got -1"), bad.err());
        Run r = mae("pretrain", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--mask-ratio", "1.2");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("maskRatio must be in [0, 1)"), "exit " + r.exit() + " err [" + r.err() + "]");
        r = mae("pretrain", "--data", dir.toString(), "--out", dir.resolve("o1").toString(), "--preset", "micro",
                "--mask-ratio", "0.95");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("maskRatio 0.95 keeps int(16 * (1 - 0.95)) = 0 of the 16 patches"), r.err());
        r = mae("pretrain", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("o2").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("nowhere: no such file or folder"), r.err());
        r = mae("pretrain", "--preset", "vit-z", "--out", dir.resolve("o3").toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("unknown preset 'vit-z'"), "stderr: " + r.err());
    }
}
