package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.experiments.tracking.Lineage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer commands end to end through the command line, on tiny labelled IDX data made here
 * (16 x 16 bars: horizontal, vertical, square, frame) and a micro pretraining run: finetune learns
 * and is tracked with lineage to the pretraining run, resumes, evaluates to what it validated,
 * exports timm names; linprobe trains; bad input is named with its exit code.
 */
class TransferCommandsTest {
    @TempDir
    Path dir;
    Path train;
    Path val;
    Path pretrained;

    /** n images with their labels file beside them, four shapes at random places. */
    static Path shapes(Path dir, String name, int n, long seed) throws IOException {
        Path images = dir.resolve(name + "-images-idx3-ubyte.gz");
        Path labels = dir.resolve(name + "-labels-idx1-ubyte.gz");
        SplittableRandom r = new SplittableRandom(seed);
        try (DataOutputStream im = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)));
             DataOutputStream lb = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(labels)))) {
            im.writeInt(2051);
            im.writeInt(n);
            im.writeInt(16);
            im.writeInt(16);
            lb.writeInt(2049);
            lb.writeInt(n);
            for (int i = 0; i < n; i++) {
                int label = i % 4;
                int h = label == 2 ? 10 : label == 1 ? 3 : 8;
                int w = label == 1 ? 10 : label == 2 ? 3 : 8;
                int top = 2 + r.nextInt(16 - 4 - h + 1);
                int left = 2 + r.nextInt(16 - 4 - w + 1);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        boolean in = y >= top && y < top + h && x >= left && x < left + w;
                        boolean edge = y == top || y == top + h - 1 || x == left || x == left + w - 1;
                        im.writeByte(in && (label != 3 || edge) ? 230 : 20 + r.nextInt(20));
                    }
                }
                lb.writeByte(label);
            }
        }
        return images;
    }

    @BeforeEach
    void data() throws IOException {
        train = shapes(dir, "train", 512, 1);
        val = shapes(dir, "val", 256, 2);
        var run = PretrainCommandTest.mae("pretrain", "--data", train.toString(), "--preset", "micro", "--epochs", "1",
                "--warmup-epochs", "0", "--recon-images", "0", "--out", dir.resolve("pre").toString());
        assertEquals(0, run.exit(), run.err());
        pretrained = dir.resolve("pre").resolve("checkpoint-last.safetensors");
    }

    @Test
    void finetuneLearnsIsTrackedResumesEvaluatesAndExports() throws IOException {
        Path out = dir.resolve("ft");
        List<String> common = List.of("finetune", "--pretrained", pretrained.toString(), "--data", train.toString(), "--val-data",
                val.toString(), "--out", out.toString(), "--batch-size", "32", "--lr", "3e-3", "--warmup-epochs", "1",
                "--aa", "none", "--reprob", "0", "--mixup", "0", "--cutmix", "0", "--set", "cropScaleMin=0.7");
        var first = PretrainCommandTest.mae(concat(common, "--epochs", "2"));
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("left at their init (allowed): [fc_norm.weight, fc_norm.bias, head.weight, head.bias]"),
                first.err());
        var second = PretrainCommandTest.mae(concat(common, "--epochs", "6"));       // resumes: the same run, longer
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("resuming from"), second.err());
        Map<?, ?> best = new ObjectMapper().readValue(out.resolve("best.json").toFile(), Map.class);
        double top1 = ((Number) best.get("val_top1")).doubleValue();
        assertTrue(top1 >= 90, "fine-tuned val top-1 " + top1);
        String journal = Files.readString(out.resolve("run.jsonl"));
        assertTrue(journal.contains(Lineage.SOURCE_RUN_ID) && journal.contains("val_top1"), "tracked with lineage");
        assertTrue(Files.isRegularFile(out.resolve("confusion").resolve("epoch-005.png")));

        var eval = PretrainCommandTest.mae("evaluate", "--checkpoint", out.resolve("checkpoint-best.safetensors").toString(),
                "--data", val.toString(), "--out", dir.resolve("ev").toString());
        assertEquals(0, eval.exit(), eval.err());
        Map<?, ?> result = new ObjectMapper().readValue(dir.resolve("ev").resolve("result.json").toFile(), Map.class);
        assertEquals(top1, ((Number) result.get("top1")).doubleValue(), 1e-9, "evaluate gives what validation measured");

        var export = PretrainCommandTest.mae("export", "--checkpoint", out.resolve("checkpoint-last.safetensors").toString(),
                "--out", dir.resolve("cls.safetensors").toString());
        assertEquals(0, export.exit(), export.err());
        var names = dev.maejvm.vit.io.SafeTensors.readHeader(dir.resolve("cls.safetensors")).tensors().keySet();
        assertTrue(names.contains("head.weight") && names.contains("fc_norm.weight") && names.contains("blocks.1.mlp.fc2.weight")
                && names.contains("pos_embed"), names.toString());
    }

    @Test
    void linprobeTrainsAndFromScratchRuns() throws IOException {
        var probe = PretrainCommandTest.mae("linprobe", "--pretrained", pretrained.toString(), "--data", train.toString(),
                "--val-data", val.toString(), "--out", dir.resolve("lp").toString(), "--batch-size", "64", "--lr", "3",
                "--epochs", "10", "--warmup-epochs", "1", "--eval-every", "5");
        assertEquals(0, probe.exit(), probe.err());
        assertTrue(probe.err().contains("best val top-1"), probe.err());
        assertTrue(Files.isRegularFile(dir.resolve("lp").resolve("features-train.safetensors")), "features cached");

        var scratch = PretrainCommandTest.mae("finetune", "--from-scratch", "--preset", "micro", "--data", train.toString(),
                "--val-data", val.toString(), "--out", dir.resolve("scratch").toString(), "--batch-size", "32", "--epochs", "1",
                "--max-steps", "5");
        assertEquals(0, scratch.exit(), scratch.err());
        assertTrue(Files.readString(dir.resolve("scratch").resolve("run.jsonl")).contains("scratch"), "init recorded");
    }

    @Test
    void badInputIsNamedWithItsExitCode() throws IOException {
        Path unlabeled = shapes(dir, "unlabeled", 16, 3);
        Files.delete(dir.resolve("unlabeled-labels-idx1-ubyte.gz"));
        var noLabels = PretrainCommandTest.mae("finetune", "--from-scratch", "--preset", "micro", "--data", unlabeled.toString(),
                "--out", dir.resolve("x").toString());
        assertEquals(2, noLabels.exit(), noLabels.err());
        assertTrue(noLabels.err().contains("has no labels"), noLabels.err());

        var neither = PretrainCommandTest.mae("finetune", "--data", train.toString(), "--out", dir.resolve("y").toString());
        assertEquals(2, neither.exit(), neither.err());
        assertTrue(neither.err().contains("--pretrained") && neither.err().contains("--from-scratch"), neither.err());

        var badAa = PretrainCommandTest.mae("finetune", "--from-scratch", "--preset", "micro", "--data", train.toString(),
                "--aa", "rand-x9", "--out", dir.resolve("z").toString());
        assertEquals(2, badAa.exit(), badAa.err());
        assertTrue(badAa.err().contains("randAugment"), badAa.err());

        var tooFew = PretrainCommandTest.mae("finetune", "--from-scratch", "--preset", "micro", "--data", train.toString(),
                "--nb-classes", "3", "--out", dir.resolve("w").toString());
        assertEquals(2, tooFew.exit(), tooFew.err());
        assertTrue(tooFew.err().contains("4 classes") && tooFew.err().contains("head has 3"), tooFew.err());

        var unknown = PretrainCommandTest.mae("linprobe", "--pretrained", pretrained.toString(), "--no-such-option");
        assertEquals(2, unknown.exit(), unknown.err());
    }

    private static String[] concat(List<String> a, String... more) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
