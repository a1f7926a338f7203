package dev.maejvm.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.experiments.spec.ExperimentSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's bookkeeping, with a fake executor standing in for the ./mae commands. */
class ExperimentRunnerTest {
    @TempDir
    Path dir;

    private ExperimentSpec spec() throws IOException {
        Path f = dir.resolve("spec.yaml");
        Files.writeString(f, """
                name: ratios
                stages: [pretrain, finetune, knn]
                base:
                  pretrain: {preset: micro, epochs: 1}
                  finetune: {epochs: 1}
                axes:
                  pretrain.maskRatio: [0.5, 0.75, 0.9]
                  finetune.init: [pretrained, scratch]
                """);
        return ExperimentSpec.load(f);
    }

    /** Records the command lines; fails the ones containing a given text. */
    private static final class Fake implements ExperimentRunner.Executor {
        final List<List<String>> calls = new ArrayList<>();
        String failOn;

        @Override
        public int execute(List<String> args) {
            calls.add(args);
            return failOn != null && String.join(" ", args).contains(failOn) ? 1 : 0;
        }
    }

    private static ExperimentRunner runner(ExperimentSpec spec, Path out, Fake fake) {
        return new ExperimentRunner(spec, out, fake, List.of("--tracking-uri", "http://127.0.0.1:1"),
                new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void pointsThatAgreeOnAStageShareItAndScratchPointsReadNoCheckpoint() throws IOException {
        Fake fake = new Fake();
        Path out = dir.resolve("out");
        ExperimentRunner.Outcome o = runner(spec(), out, fake).run("parent123");
        // 3 ratios: one pretraining each, shared by the pretrained and the scratch point; kNN of that
        // checkpoint shared too; fine-tuning: 3 pretrained + 1 scratch (scratch ignores the ratio)
        assertEquals(3 + 4 + 3, fake.calls.size(), fake.calls.toString());
        assertEquals(0, o.failed());
        List<String> scratch = fake.calls.stream().filter(c -> c.contains("--from-scratch")).findFirst().orElseThrow();
        assertTrue(scratch.containsAll(List.of("--preset", "micro")) && !scratch.contains("--pretrained"), scratch.toString());
        List<String> pre = fake.calls.get(0);
        assertEquals("pretrain", pre.get(0));
        assertTrue(pre.contains("maskRatio=0.5") && pre.contains("epochs=1") && pre.contains("--preset"), pre.toString());
        assertTrue(String.join(" ", pre).contains("--tag mlflow.parentRunId=parent123"));
        assertTrue(String.join(" ", pre).contains("--tracking-uri http://127.0.0.1:1"));
        List<String> ft = fake.calls.get(1);
        assertEquals(out.resolve("p00-maskRatio=0.5-init=pretrained-seed=0/pretrain/checkpoint-last.safetensors").toString(),
                ft.get(ft.indexOf("--pretrained") + 1));
        List<String> knn = fake.calls.get(2);
        assertEquals("knn", knn.get(0));
        assertFalse(knn.contains("--tag"), "knn writes a result file, not a run");
        assertTrue(Files.isRegularFile(out.resolve("p01-maskRatio=0.5-init=scratch-seed=0").resolve(ExperimentRunner.POINT_FILE)));
    }

    @Test
    void aRerunSkipsFinishedStagesAndRetriesFailedOnes() throws IOException {
        Fake fake = new Fake();
        Path out = dir.resolve("out");
        ExperimentSpec spec = spec();
        fake.failOn = "maskRatio=0.75";                                // the 0.75 pretraining fails
        ExperimentRunner.Outcome first = runner(spec, out, fake).run(null);
        // p00: 3 stages; p01: its scratch fine-tuning; p02: the failing pretraining only (its fine-tuning and
        // kNN read it); p03: nothing (shares the failed pretraining, and the scratch run of p01); p04: 3
        assertEquals(8, fake.calls.size(), fake.calls.toString());
        assertTrue(first.failed() >= 1);
        assertTrue(first.failures().stream().anyMatch(f -> f.contains("maskRatio=0.75") && f.contains("pretrain")), first.failures().toString());
        assertEquals(StageStatus.FINISHED, StageStatus.read(out.resolve("p04-maskRatio=0.9-init=pretrained-seed=0/finetune")).status(),
                "the point after the failed one went on");

        Fake again = new Fake();
        ExperimentRunner.Outcome second = runner(spec, out, again).run(null);
        assertEquals(0, second.failed());
        assertTrue(again.calls.stream().allMatch(c -> String.join(" ", c).contains("maskRatio=0.75")
                || String.join(" ", c).contains("p02-")), "only the failed point's stages run again: " + again.calls);
        assertEquals(3, again.calls.size(), "its pretraining, fine-tuning and kNN");

        Fake third = new Fake();
        ExperimentRunner.Outcome done = runner(spec, out, third).run(null);
        assertEquals(0, third.calls.size(), "everything finished");
        assertEquals(0, done.ran());
    }

    /** Records kept without checkpoints (say, committed) go on elsewhere: a needed but missing checkpoint is made again. */
    @Test
    void aFinishedPretrainingWhoseCheckpointIsGoneRunsAgainOnlyWhenAStageStillNeedsIt() throws IOException {
        Path out = dir.resolve("out");
        ExperimentSpec spec = spec();
        Fake fake = new Fake();
        fake.failOn = "knn";                                             // every kNN fails: they need the checkpoints later
        runner(spec, out, fake).run(null);
        Fake again = new Fake();                                         // no checkpoint was ever written (a fake executor)
        runner(spec, out, again).run(null);
        assertEquals(3 + 3, again.calls.size(), "each pretraining again, then its kNN: " + again.calls);
        Fake third = new Fake();
        runner(spec, out, third).run(null);
        assertEquals(0, third.calls.size(), "nothing needs the checkpoints any more");
    }

    @Test
    void aFinishedStageWhoseSettingsChangedIsRefusedNotReused() throws IOException {
        Path out = dir.resolve("out");
        runner(spec(), out, new Fake()).run(null);
        String yaml = Files.readString(dir.resolve("spec.yaml")).replace("finetune: {epochs: 1}", "finetune: {epochs: 2}");
        Files.writeString(dir.resolve("spec.yaml"), yaml);
        ExperimentSpec edited = ExperimentSpec.load(dir.resolve("spec.yaml"));
        Fake again = new Fake();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> runner(edited, out, again).run(null));
        assertTrue(e.getMessage().contains("finetune") && e.getMessage().contains("epochs=2"), e.getMessage());
        assertEquals(0, again.calls.size(), "nothing ran");
    }

    /** A scratch fine-tuning reads no checkpoint, but trains the point's model: points with other models do not share it. */
    @Test
    void scratchRunsOfDifferentModelsAreNotShared() throws IOException {
        Path f = dir.resolve("models.yaml");
        Files.writeString(f, """
                name: widths
                stages: [pretrain, finetune]
                base:
                  pretrain: {preset: micro, epochs: 1}
                  finetune: {epochs: 1, init: scratch}
                axes:
                  pretrain.model.encoder.embedDim: [32, 64]
                """);
        Fake fake = new Fake();
        runner(ExperimentSpec.load(f), dir.resolve("w"), fake).run(null);
        List<List<String>> scratch = fake.calls.stream().filter(c -> c.contains("--from-scratch")).toList();
        assertEquals(2, scratch.size(), fake.calls.toString());
        assertTrue(scratch.get(0).contains("model.embedDim=32") && scratch.get(1).contains("model.embedDim=64"), scratch.toString());
    }

    @Test
    void aThrowingCommandIsAFailureNotTheEnd() throws IOException {
        Path out = dir.resolve("out");
        int[] n = {0};
        ExperimentRunner.Outcome o = new ExperimentRunner(spec(), out, args -> {
            if (n[0]++ == 0) {
                throw new OutOfMemoryError("Java heap space");
            }
            return 0;
        }, List.of(), new PrintStream(new ByteArrayOutputStream())).run(null);
        assertTrue(o.failures().get(0).contains("OutOfMemoryError"), o.failures().toString());
        assertTrue(o.ran() > 3, "the other points ran");
    }

    @Test
    void aDetectStageRunsDetectTrainFromThePointsCheckpointOrTheSameModelFromScratch() throws IOException {
        Path f = dir.resolve("det.yaml");
        Files.writeString(f, """
                name: det
                stages: [pretrain, detect]
                base:
                  pretrain: {preset: micro, epochs: 1, model.encoder.imgHeight: 32, model.encoder.imgWidth: 32, model.encoder.embedDim: 48}
                  detect: {epochs: 2, windowSize: 4}
                axes:
                  detect.init: [pretrained, scratch]
                """);
        Fake fake = new Fake();
        Path out = dir.resolve("out");
        ExperimentRunner.Outcome o = runner(ExperimentSpec.load(f), out, fake).run(null);
        assertEquals(0, o.failed());
        assertEquals(3, fake.calls.size(), "one pretraining shared by both points, two detectors: " + fake.calls);
        List<String> pretrained = fake.calls.get(1);
        assertEquals(List.of("detect", "train"), pretrained.subList(0, 2));
        assertEquals(out.resolve("p00-init=pretrained-seed=0/pretrain/checkpoint-last.safetensors").toString(),
                pretrained.get(pretrained.indexOf("--pretrained") + 1));
        assertTrue(pretrained.contains("windowSize=4") && pretrained.contains("epochs=2") && !pretrained.contains("--input-size"),
                pretrained.toString());
        List<String> scratch = fake.calls.get(2);
        assertTrue(scratch.contains("--from-scratch") && !scratch.contains("--pretrained"), scratch.toString());
        // the pretrained model's architecture, at its image size as the input size (not as a model key)
        assertEquals("micro", scratch.get(scratch.indexOf("--preset") + 1));
        assertEquals("32", scratch.get(scratch.indexOf("--input-size") + 1));
        assertTrue(scratch.contains("model.embedDim=48") && !String.join(" ", scratch).contains("model.imgHeight"), scratch.toString());
    }

    @Test
    void aScratchStageWithoutPretrainingTrainsItsOwnPreset() throws IOException {
        Path f = dir.resolve("own.yaml");
        Files.writeString(f, """
                name: own
                stages: [detect]
                base:
                  detect: {init: scratch, epochs: 1}
                axes:
                  detect.preset: [micro, tiny]
                """);
        Fake fake = new Fake();
        runner(ExperimentSpec.load(f), dir.resolve("own"), fake).run(null);
        assertEquals(2, fake.calls.size(), fake.calls.toString());
        assertEquals("micro", fake.calls.get(0).get(fake.calls.get(0).indexOf("--preset") + 1));
        assertEquals("tiny", fake.calls.get(1).get(fake.calls.get(1).indexOf("--preset") + 1));
    }
}
