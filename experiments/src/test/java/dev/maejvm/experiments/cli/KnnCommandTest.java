package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.experiments.cli.PretrainCommandTest.Run;
import dev.maejvm.experiments.cli.knn.KnnSources;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.weights.StateDict;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code mae knn} end to end and the pretraining kNN monitor, on tiny labelled IDX sets written
 * here: stripes at 5 orientations, one per class.
 */
class KnnCommandTest {
    @TempDir
    Path dir;

    /** n images 16x16 of class i % 5 (stripes at angle pi * class / 5), with the labels file beside when labelled. */
    Path stripes(String name, int n, long seed, boolean labelled) throws IOException {
        Path images = dir.resolve(name + "-images-idx3-ubyte.gz");
        Random rng = new Random(seed);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)))) {
            out.writeInt(2051);
            out.writeInt(n);
            out.writeInt(16);
            out.writeInt(16);
            for (int i = 0; i < n; i++) {
                double angle = Math.PI * (i % 5) / 5;
                double ph = 6.28 * rng.nextDouble();
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        out.writeByte((int) (127.5 + 120 * Math.sin(1.3 * (Math.cos(angle) * x + Math.sin(angle) * y) + ph)));
                    }
                }
            }
        }
        if (labelled) {
            try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                    dir.resolve(name + "-labels-idx1-ubyte.gz"))))) {
                out.writeInt(2049);
                out.writeInt(n);
                for (int i = 0; i < n; i++) {
                    out.writeByte(i % 5);
                }
            }
        }
        return images;
    }

    /** `mae ARGS` with stdout captured too. */
    record Output(int exit, String out, String err) {}

    static Output mae(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true));
        try {
            Run r = PretrainCommandTest.mae(args);
            return new Output(r.exit(), stdout.toString(), r.err());
        } finally {
            System.setOut(oldOut);
        }
    }

    /** A random-init micro MAE saved as a pretraining checkpoint normalised with mean 0.5, std 0.25. */
    Path microCheckpoint() throws IOException {
        PretrainConfig cfg = PretrainConfig.defaults("micro");
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 3);
        AdamW opt = new AdamW(model.params(), new AdamWConfig(0.9, 0.95, 1e-8, cfg.weightDecay()));
        Path file = dir.resolve("ckpt").resolve(PretrainCheckpoint.FILE_NAME);
        Files.createDirectories(file.getParent());
        PretrainCheckpoint.save(file, model, opt, cfg, TrainState.fresh(),
                new Checkpoint.DataInfo("test stripes", new float[] {0.5f}, new float[] {0.25f}));
        StateDict.save(dir.resolve("encoder.safetensors"), model, true, Map.of("source", "test"));
        return file;
    }

    @Test
    void knnOfACheckpointAndOfItsEncoderWeightsPrintsTheSameAccuracy() throws IOException {
        Path train = stripes("train", 100, 1, true);
        Path val = stripes("val", 40, 2, true);
        Path ckpt = microCheckpoint();
        Path json = dir.resolve("result.json");
        Output r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", val.toString(),
                "--batch-size", "16", "--workers", "2", "--out", json.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("knn top-1 ") && r.out().contains("top-5 ") && r.out().contains("bank 100, val 40 images, 5 classes"),
                r.out());
        assertTrue(r.out().contains("wall time "), r.out());
        JsonNode result = new ObjectMapper().readTree(json.toFile());
        double top1 = result.get("top1").asDouble();
        assertTrue(top1 >= 0 && top1 <= 1 && result.get("top5").asDouble() >= top1, result.toString());
        assertEquals(20, result.get("k").asInt());
        assertEquals("token", result.get("global_pool").asText());
        assertEquals(0.25, result.get("std").get(0).asDouble(), 1e-7, "the checkpoint's normalisation");

        // the exported encoder (timm names) with --preset: same weights, same normalisation, same answer
        Path json2 = dir.resolve("result2.json");
        Output w = mae("knn", "--checkpoint", dir.resolve("encoder.safetensors").toString(), "--preset", "micro",
                "--train-data", train.toString(), "--val-data", val.toString(), "--mean", "0.5", "--std", "0.25",
                "--out", json2.toString());
        assertEquals(0, w.exit(), w.err());
        assertEquals(top1, new ObjectMapper().readTree(json2.toFile()).get("top1").asDouble(), 0.0);

        // avg pooling, k above the bank's size, limits
        Output a = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", val.toString(),
                "--global-pool", "avg", "--k", "500", "--train-limit", "50", "--val-limit", "20");
        assertEquals(0, a.exit(), a.err());
        assertTrue(a.out().contains("k 50, T 0.07, avg pooling; bank 50, val 20 images"), a.out());
        assertTrue(a.err().contains("fewer than k 500: all of them vote"), a.err());
    }

    @Test
    void knnRefusesUnlabeledDataBadValuesAndAWeightsFileWithoutPreset() throws IOException {
        Path train = stripes("train", 20, 1, true);
        Path plain = stripes("plain", 20, 3, false);
        Path ckpt = microCheckpoint();
        Output r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", plain.toString(), "--val-data", train.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--train-data: IDX " + plain + ": 20 images 16x16, unlabeled has no labels"), r.err());
        r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", plain.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--val-data: IDX " + plain), r.err());
        r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", train.toString(), "--k", "0");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--k must be >= 1, got 0"), r.err());
        r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", train.toString(),
                "--temperature", "0");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--temperature must be > 0"), r.err());
        r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString(), "--val-data", train.toString(),
                "--global-pool", "max");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--global-pool must be token or avg, got 'max'"), r.err());
        r = mae("knn", "--checkpoint", ckpt.toString(), "--train-data", train.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--train-data and --val-data go together"), r.err());
        r = mae("knn", "--checkpoint", dir.resolve("encoder.safetensors").toString(), "--train-data", train.toString(),
                "--val-data", train.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("is a plain safetensors file: name its model with --preset"),
                r.err());
        r = mae("knn", "--checkpoint", dir.resolve("encoder.safetensors").toString(), "--preset", "micro",
                "--train-data", train.toString(), "--val-data", train.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("give --mean and --std"), r.err());
        r = mae("knn", "--checkpoint", dir.resolve("nothing").toString(), "--train-data", train.toString(),
                "--val-data", train.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--checkpoint " + dir.resolve("nothing") + ": no such file"), r.err());
    }

    @Test
    void pretrainingWithTheKnnMonitorLogsItsAccuracyEveryEpoch() throws IOException {
        Path train = stripes("train", 128, 1, true);
        Path val = stripes("val", 30, 2, true);
        Path out = dir.resolve("run");
        Run r = PretrainCommandTest.mae("pretrain", "--data", train.toString(), "--val-data", val.toString(), "--knn-every", "1",
                "--out", out.toString(), "--preset", "micro", "--epochs", "2", "--batch-size", "32", "--workers", "2",
                "--recon-images", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("kNN monitor: every 1 epoch"), r.err());
        List<String> lines = Files.readAllLines(out.resolve("log.txt"));
        assertEquals(2, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode epoch = json.readTree(line);
            assertTrue(epoch.has("knn_top1") && epoch.has("knn_top5"), line);
            double top1 = epoch.get("knn_top1").asDouble();
            assertTrue(top1 >= 0 && top1 <= 1, line);
        }
        // and the journal (what goes to MLflow) has it at each epoch's last step
        var records = dev.maejvm.experiments.tracking.RunJournal.JournalReader.read(out.resolve("run.jsonl"));
        assertEquals(List.of(4L, 8L), records.stream().filter(x -> "knn_top1".equals(x.key())).map(x -> x.step()).toList());
    }

    @Test
    void theMonitorRefusesUnlabeledOrMissingDataNamingTheOption() throws IOException {
        Path plain = stripes("plain", 64, 3, false);
        Path val = stripes("val", 10, 2, true);
        Run r = PretrainCommandTest.mae("pretrain", "--data", plain.toString(), "--val-data", val.toString(), "--knn-every", "1",
                "--out", dir.resolve("o1").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("the kNN monitor needs a labelled train bank, and the pretraining data IDX " + plain)
                && r.err().contains("give one with --knn-train-data"), r.err());
        assertFalse(Files.exists(dir.resolve("o1").resolve("config.json")), "refused before anything ran");
        r = PretrainCommandTest.mae("pretrain", "--data", plain.toString(), "--knn-every", "1",
                "--out", dir.resolve("o2").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--knn-every needs --val-data"), r.err());
        r = PretrainCommandTest.mae("pretrain", "--data", plain.toString(), "--val-data", val.toString(),
                "--out", dir.resolve("o3").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--val-data is data of the kNN monitor, which runs only with --knn-every N"), r.err());
        r = PretrainCommandTest.mae("pretrain", "--data", plain.toString(), "--val-data", val.toString(), "--knn-every", "0",
                "--out", dir.resolve("o4").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--knn-every must be >= 1"), r.err());
        r = PretrainCommandTest.mae("pretrain", "--data", plain.toString(), "--val-data", plain.toString(), "--knn-every", "1",
                "--knn-train-data", val.toString(), "--out", dir.resolve("o5").toString(), "--preset", "micro");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--val-data: IDX " + plain), r.err());
    }

    @Test
    void withoutDataTheMonitorUsesFashionMnistTrainAsBankAndTestAsValidation() {
        Path fmTrain = Path.of("fm-train");
        Path fmTest = Path.of("fm-test");
        KnnSources s = KnnSources.forPretraining(1, null, null, null, () -> fmTrain, () -> fmTest).orElseThrow();
        assertEquals(new KnnSources(fmTrain, fmTest, false), s);
        KnnSources own = KnnSources.forPretraining(2, Path.of("d"), null, Path.of("v"), () -> fmTrain, () -> fmTest).orElseThrow();
        assertEquals(new KnnSources(Path.of("d"), Path.of("v"), true), own);
        assertEquals(new KnnSources(Path.of("b"), fmTest, false),
                KnnSources.forPretraining(1, null, Path.of("b"), null, () -> fmTrain, () -> fmTest).orElseThrow());
        assertTrue(KnnSources.forPretraining(null, Path.of("d"), null, null, () -> fmTrain, () -> fmTest).isEmpty());
    }

    @Test
    void theMonitorSaysWhenTheRunEndsBeforeAnEpochWhereItIsDue() {
        // the quick start: 1 epoch of 468 batches, capped at 300 steps
        assertFalse(KnnSources.monitorRuns(1, 1, 0, 468, 1, 300));
        assertTrue(KnnSources.monitorRuns(1, 1, 0, 468, 1, 468));
        assertTrue(KnnSources.monitorRuns(2, 5, 0, 10, 1, 20));
        assertFalse(KnnSources.monitorRuns(3, 5, 0, 10, 1, 29));
        assertTrue(KnnSources.monitorRuns(3, 5, 3, 10, 1, 50), "the last epoch always");
        assertFalse(KnnSources.monitorRuns(1, 2, 0, 5, 2, 2), "an epoch of 5 batches at accumIter 2 ends with a batch after step 2");
    }
}
