package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.finetune.det.DetectorCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./mae detect train / eval end to end on small generated scenes (32 px canvas): a pretrained
 * backbone loads with its lineage, a run stopped by --max-steps resumes to the same weights as one
 * run straight through, eval writes COCO results, bad input is refused naming it.
 */
class DetectTrainCommandTest {
    @TempDir
    static Path dir;
    static Path train;
    static Path test;
    static Path pretrained;

    @BeforeAll
    static void data() throws IOException {
        Path scenes = dir.resolve("scenes");
        var made = PretrainCommandTest.mae("detect", "make-scenes", "--out", scenes.toString(), "--canvas", "32",
                "--train-scenes", "32", "--test-scenes", "8", "--max-scale", "1.1", "--max-objects", "2", "--seed", "3");
        assertEquals(0, made.exit(), made.err());
        train = scenes.resolve("annotations/instances_train.json");
        test = scenes.resolve("annotations/instances_test.json");
        var pre = PretrainCommandTest.mae("pretrain", "--data", train.toString(), "--preset", "micro", "--epochs", "1",
                "--max-steps", "3", "--batch-size", "8", "--warmup-epochs", "0", "--recon-images", "0", "--out", dir.resolve("pre").toString());
        assertEquals(0, pre.exit(), pre.err());
        pretrained = dir.resolve("pre/checkpoint-last.safetensors");
    }

    private static List<String> args(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("detect", "train", "--pretrained", pretrained.toString(), "--data",
                train.toString(), "--val-data", test.toString(), "--input-size", "32", "--batch-size", "4", "--lr", "1e-3",
                "--warmup-epochs", "0", "--set", "minLr=1e-3", "--workers", "1", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void trainsResumesExactlyAndEvaluates() throws IOException {
        Path straight = dir.resolve("straight");
        var full = PretrainCommandTest.mae(args(straight, "--epochs", "2").toArray(String[]::new));
        assertEquals(0, full.exit(), full.err());
        assertTrue(full.err().contains("loaded the micro encoder") && full.err().contains("interpolated"), full.err());
        assertTrue(full.err().contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"), full.err());
        JsonNode start = new ObjectMapper().readTree(Files.readAllLines(straight.resolve("run.jsonl")).get(0));
        assertEquals("detect", start.get("kind").asText());
        assertTrue(start.get("tags").get("mae.source.checkpoint").asText().endsWith("pre/checkpoint-last.safetensors"));
        assertTrue(Files.isRegularFile(straight.resolve("detections/epoch-001.png")));
        assertTrue(Files.readString(straight.resolve("log.txt")).contains("\"AP50\""));

        // a constant lr (minLr = lr), so that --max-steps, which also shortens the schedule, leaves the steps as they were
        Path split = dir.resolve("split");
        var first = PretrainCommandTest.mae(args(split, "--epochs", "2", "--max-steps", "5").toArray(String[]::new));
        assertEquals(0, first.exit(), first.err());
        var second = PretrainCommandTest.mae(args(split, "--epochs", "2", "--max-steps", "0").toArray(String[]::new));
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("resuming from"), second.err());
        float[] a = DetectorCheckpoint.load(straight.resolve(DetectorCheckpoint.LAST)).model().params().values().data().asFloat();
        float[] b = DetectorCheckpoint.load(split.resolve(DetectorCheckpoint.LAST)).model().params().values().data().asFloat();
        assertArrayEquals(a, b, "stopped at step 5 and resumed: the uninterrupted run's weights");

        Path ev = dir.resolve("eval");
        var eval = PretrainCommandTest.mae("detect", "eval", "--checkpoint", straight.resolve(DetectorCheckpoint.LAST).toString(),
                "--data", test.toString(), "--out", ev.toString());
        assertEquals(0, eval.exit(), eval.err());
        JsonNode results = new ObjectMapper().readTree(ev.resolve("results.json").toFile());
        assertTrue(results.isArray());
        if (results.size() > 0) {
            JsonNode d = results.get(0);
            assertTrue(d.has("image_id") && d.has("category_id") && d.get("bbox").size() == 4 && d.has("score"), d.toString());
        }
        JsonNode summary = new ObjectMapper().readTree(ev.resolve("result.json").toFile());
        assertTrue(summary.has("AP") && summary.has("ARl"), summary.toString());

        Path pr = dir.resolve("predict");
        var predict = PretrainCommandTest.mae("detect", "predict", "--checkpoint", straight.resolve(DetectorCheckpoint.LAST).toString(),
                "--images", dir.resolve("scenes/test").toString(), "--out", pr.toString(), "--score", "0.05", "--pictures", "2");
        assertEquals(0, predict.exit(), predict.err());
        assertTrue(new ObjectMapper().readTree(pr.resolve("detections.json").toFile()).isArray());
        try (var s = Files.list(pr)) {
            assertEquals(2, s.filter(f -> f.toString().endsWith("-detections.png")).count());
        }
    }

    @Test
    void badInputIsRefusedNamingIt() throws IOException {
        var neither = PretrainCommandTest.mae("detect", "train", "--data", train.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, neither.exit(), neither.err());
        assertTrue(neither.err().contains("--pretrained") && neither.err().contains("--from-scratch"), neither.err());
        var missing = PretrainCommandTest.mae("detect", "train", "--from-scratch", "--data", dir.resolve("nope.json").toString(),
                "--out", dir.resolve("y").toString());
        assertEquals(2, missing.exit(), missing.err());
        assertTrue(missing.err().contains("nope.json"), missing.err());
        var size = PretrainCommandTest.mae("detect", "train", "--from-scratch", "--preset", "micro", "--data", train.toString(),
                "--input-size", "30", "--out", dir.resolve("z").toString());
        assertEquals(2, size.exit(), size.err());
        assertTrue(size.err().contains("--input-size 30"), size.err());
        var unknown = PretrainCommandTest.mae("detect", "eval", "--checkpoint", pretrained.toString(), "--no-such-option");
        assertEquals(2, unknown.exit(), unknown.err());
        var wrongKind = PretrainCommandTest.mae("detect", "eval", "--checkpoint", pretrained.toString(), "--data", test.toString());
        assertTrue(wrongKind.exit() != 0 && wrongKind.err().contains("pretrain"), wrongKind.err());
    }

    @Test
    void aScratchDetectorOfAnotherDepthTakesItsDefaultsFromThatDepth() throws IOException {
        Path out = dir.resolve("deep");
        var run = PretrainCommandTest.mae("detect", "train", "--from-scratch", "--preset", "micro", "--set", "model.depth=4",
                "--data", train.toString(), "--input-size", "32", "--batch-size", "4", "--epochs", "1", "--max-steps", "1",
                "--eval-every", "1", "--workers", "1", "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("4", cfg.get("model.depth").asText());
        assertEquals("0,1,2,3", cfg.get("globalBlocks").asText(), "the depth split in four, of the 4-block encoder");
        var bad = PretrainCommandTest.mae("detect", "train", "--from-scratch", "--preset", "micro", "--set", "model.dept=4",
                "--data", train.toString(), "--out", dir.resolve("typo").toString());
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("model.dept"), bad.err());
    }
}
