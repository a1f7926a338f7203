package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./mae experiment run / report end to end on a tiny labelled task with the micro preset. */
class ExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsEveryPointReportsThemAndResumesWithoutRerunning() throws IOException {
        Path train = TransferCommandsTest.shapes(dir, "train", 256, 1);
        Path val = TransferCommandsTest.shapes(dir, "val", 64, 2);
        Path spec = dir.resolve("ratios.yaml");
        Files.writeString(spec, """
                name: ratios
                description: mask ratio on a toy task
                stages: [pretrain, finetune, linprobe, knn]
                base:
                  pretrain: {preset: micro, data: %1$s, epochs: 1, warmupEpochs: 0, batchSize: 32}
                  finetune: {data: %1$s, val-data: %2$s, epochs: 1, batchSize: 32, warmupEpochs: 0, mixup: 0, cutmix: 0}
                  linprobe: {data: %1$s, val-data: %2$s, epochs: 2, batchSize: 64, warmupEpochs: 0}
                  knn: {train-data: %1$s, val-data: %2$s, k: 5}
                axes:
                  pretrain.maskRatio: [0.5, 0.75]
                """.formatted(train, val));
        Path out = dir.resolve("exp");

        var dry = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--out", out.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(Files.notExists(out), "a dry run runs nothing");

        var run = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains("8 stages ran, 0 finished before, 0 failed"), run.err());

        ObjectMapper json = new ObjectMapper();
        String parent = json.readTree(out.resolve("experiment.json").toFile()).get("parentRunId").asText();
        List<String> parentJournal = Files.readAllLines(out.resolve("run.jsonl"));
        assertTrue(parentJournal.get(0).contains("\"kind\":\"sweep\""), parentJournal.get(0));
        JsonNode childStart = json.readTree(Files.readAllLines(
                out.resolve("p01-maskRatio=0.75-seed=0/finetune/run.jsonl")).get(0));
        assertEquals(parent, childStart.get("tags").get("mlflow.parentRunId").asText(), "the child is nested under the experiment");
        assertTrue(childStart.get("tags").get("mae.source.checkpoint").asText().contains("p01-maskRatio=0.75-seed=0/pretrain"),
                "lineage between the stages");

        var again = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--out", out.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("0 stages ran, 8 finished before, 0 failed"), again.err());
        assertEquals(parent, json.readTree(out.resolve("experiment.json").toFile()).get("parentRunId").asText(),
                "the same parent run goes on");

        PrintStream oldOut = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        PretrainCommandTest.Run report;
        try {
            report = PretrainCommandTest.mae("experiment", "report", spec.toString(), "--out", out.toString());
        } finally {
            System.setOut(oldOut);
        }
        assertEquals(0, report.exit(), report.err());
        String md = Files.readString(out.resolve("report/results.md"));
        assertEquals(md, printed.toString());
        assertTrue(md.contains("| pretrain.maskRatio | seeds | fine-tune top-1 % |"), md);
        assertTrue(md.contains("| 0.5 | 1 |") && md.contains("| 0.75 | 1 |"), md);
        assertTrue(md.contains("linear probe top-1 %") && md.contains("kNN top-1 %"), md);
        assertTrue(!md.contains("not finished"), md);
        assertTrue(Files.size(out.resolve("report/pretrain.maskRatio.png")) > 1000);
        assertEquals(3, Files.readAllLines(out.resolve("report/results.csv")).size());
    }

    @Test
    void aDetectionSpecPretrainsOnceTrainsBothDetectorsAndReportsTheirAP() throws IOException {
        Path scenes = dir.resolve("scenes");
        var made = PretrainCommandTest.mae("detect", "make-scenes", "--out", scenes.toString(), "--canvas", "32",
                "--train-scenes", "24", "--test-scenes", "6", "--max-scale", "1.1", "--max-objects", "2", "--seed", "5");
        assertEquals(0, made.exit(), made.err());
        Path spec = dir.resolve("det.yaml");
        Files.writeString(spec, """
                name: det
                stages: [pretrain, detect]
                base:
                  pretrain: {preset: micro, data: %1$s, epochs: 1, maxSteps: 3, warmupEpochs: 0, batchSize: 8}
                  detect: {data: %2$s, val-data: %3$s, input-size: 32, epochs: 1, batchSize: 4, lr: 1e-3, warmupEpochs: 0}
                axes:
                  detect.init: [pretrained, scratch]
                """.formatted(scenes.resolve("train"), scenes.resolve("annotations/instances_train.json"),
                scenes.resolve("annotations/instances_test.json")));
        Path out = dir.resolve("det");
        var dry = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--out", out.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        var run = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains("3 stages ran, 1 finished before, 0 failed"), run.err());   // the shared pretraining, for the second point
        JsonNode start = new ObjectMapper().readTree(Files.readAllLines(
                out.resolve("p00-init=pretrained-seed=0/detect/run.jsonl")).get(0));
        assertEquals("detect", start.get("kind").asText());
        assertTrue(start.get("tags").get("mae.source.checkpoint").asText().contains("p00-init=pretrained-seed=0/pretrain"),
                "the detector is linked to the pretraining it started from");

        var report = PretrainCommandTest.mae("experiment", "report", spec.toString(), "--out", out.toString());
        assertEquals(0, report.exit(), report.err());
        String md = Files.readString(out.resolve("report/results.md"));
        assertTrue(md.contains("| detect.init | seeds | detection AP | detection AP50 |"), md);
        assertTrue(md.contains("| pretrained | 1 |") && md.contains("| scratch | 1 |"), md);
        assertTrue(!md.contains("not finished"), md);
        assertTrue(Files.size(out.resolve("report/detect.init.png")) > 1000);
    }

    @Test
    void aBadSpecIsAUsageErrorNamingTheLine() throws IOException {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, "name: bad\nstages: [pretrain]\naxes:\n  pretrain.decoderDepth: [1, 2]\n");
        var run = PretrainCommandTest.mae("experiment", "run", spec.toString(), "--dry-run");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("bad.yaml:4:") && run.err().contains("decoderDepth"), run.err());
    }
}
