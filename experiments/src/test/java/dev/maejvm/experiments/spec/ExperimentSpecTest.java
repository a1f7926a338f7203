package dev.maejvm.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentSpecTest {
    @TempDir
    Path dir;

    private Path spec(String yaml) throws IOException {
        Path f = dir.resolve("spec.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void expandsTheGridTimesTheSeedsFirstAxisSlowest() throws IOException {
        ExperimentSpec s = ExperimentSpec.load(spec("""
                name: decoder
                stages: [finetune, pretrain]
                seeds: [0, 1]
                base:
                  pretrain:
                    preset: micro
                    epochs: 2
                    model: {normPixLoss: true}
                  finetune: {epochs: 1}
                axes:
                  pretrain.model.decoderDepth: [1, 2]
                  pretrain.maskRatio: [0.5, 0.75, 0.9]
                """));
        assertEquals(List.of(SpecStage.PRETRAIN, SpecStage.FINETUNE), s.stages(), "run order, whatever the file's");
        assertEquals(2 * 3 * 2, s.points().size());
        ExperimentPoint p = s.points().get(3);                           // depth 1, ratio 0.75, seed 1
        assertEquals(Map.of("pretrain.model.decoderDepth", "1", "pretrain.maskRatio", "0.75", "seed", "1"), p.values());
        assertEquals("p03-decoderDepth=1-maskRatio=0.75-seed=1", p.name());
        assertEquals(Map.of("preset", "micro", "epochs", "2", "model.normPixLoss", "true", "model.decoderDepth", "1",
                "maskRatio", "0.75", "seed", "1"), p.settings(SpecStage.PRETRAIN));
        assertEquals(Map.of("epochs", "1", "seed", "1"), p.settings(SpecStage.FINETUNE));
        assertEquals("2", s.points().get(11).values().get("pretrain.model.decoderDepth"));
        assertEquals("0.9", s.points().get(11).values().get("pretrain.maskRatio"));
    }

    @Test
    void withoutAxesOnePointPerSeed() throws IOException {
        ExperimentSpec s = ExperimentSpec.load(spec("name: one\nstages: [pretrain]\n"));
        assertEquals(1, s.points().size());
        assertEquals("p00-seed=0", s.points().get(0).name());
    }

    @Test
    void anUnknownKeyIsNamedWithItsLine() throws IOException {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("""
                name: typo
                stages: [pretrain]
                base:
                  pretrain:
                    epochs: 2
                    maskRatoi: 0.5
                """)));
        assertEquals(6, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("maskRatoi") && e.getMessage().contains("maskRatio"), e.getMessage());
    }

    @Test
    void aBadValueOnAnAxisIsNamedWithTheAxisLine() throws IOException {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("""
                name: bad
                stages: [pretrain]
                axes:
                  pretrain.maskRatio: [0.5, 1.5]
                """)));
        assertEquals(4, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("maskRatio") && e.getMessage().contains("1.5"), e.getMessage());
    }

    @Test
    void aMalformedNumberIsNamed() throws IOException {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("""
                name: bad
                stages: [pretrain, finetune]
                base:
                  finetune:
                    blr: fast
                """)));
        assertEquals(5, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("blr"), e.getMessage());
    }

    @Test
    void structuralErrorsNameTheirLine() throws IOException {
        assertEquals(3, assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain]\nstagez: [knn]\n"))).line());
        assertEquals(2, assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain, detect2]\n"))).line());
        SpecException notInStages = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain]\naxes:\n  finetune.epochs: [1, 2]\n")));
        assertEquals(4, notInStages.line());
        assertTrue(notInStages.getMessage().contains("not in stages"), notInStages.getMessage());
        SpecException needs = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [linprobe]\n")));
        assertTrue(needs.getMessage().contains("pretrain is not in stages"), needs.getMessage());
        SpecException seed = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain]\nbase:\n  pretrain:\n    seed: 3\n")));
        assertEquals(5, seed.line());
        assertEquals(3, assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain]\nstages: [knn]\n"))).line(), "a duplicate key");
        assertEquals(4, assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain, finetune]\naxes:\n  finetune.init: [pretrained, random]\n"))).line());
        assertEquals(2, needs.line(), "the stages line");
        SpecException twice = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: x\nstages: [pretrain]\nbase:\n  pretrain:\n    model.decoderDepth: 2\n    model: {decoderDepth: 4}\n")));
        assertEquals(6, twice.line());
        assertTrue(twice.getMessage().contains("set twice"), twice.getMessage());
    }

    @Test
    void aScratchPointNeedsNoPretraining() throws IOException {
        ExperimentSpec s = ExperimentSpec.load(spec("""
                name: scratch
                stages: [finetune]
                base:
                  finetune: {init: scratch, preset: micro, epochs: 1}
                """));
        assertEquals(1, s.points().size());
        assertEquals("scratch", s.points().get(0).settings(SpecStage.FINETUNE).get("init"));
    }

    @Test
    void aDetectStageReadsThePretrainingOrStartsFromScratchAndItsKeysAreChecked() throws IOException {
        ExperimentSpec s = ExperimentSpec.load(spec("""
                name: det
                stages: [pretrain, detect]
                base:
                  pretrain: {preset: micro, epochs: 1}
                  detect: {input-size: 32, epochs: 1, windowSize: 4}
                axes:
                  detect.init: [pretrained, scratch]
                """));
        assertEquals(2, s.points().size());
        assertEquals(List.of("detect", "train"), SpecStage.DETECT.command());
        assertTrue(SpecStage.DETECT.needsPretrain(s.points().get(0).settings(SpecStage.DETECT)));
        assertTrue(!SpecStage.DETECT.needsPretrain(s.points().get(1).settings(SpecStage.DETECT)));

        SpecException typo = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("""
                name: det
                stages: [pretrain, detect]
                base:
                  pretrain: {preset: micro}
                  detect:
                    windwSize: 4
                """)));
        assertEquals(6, typo.line(), typo.getMessage());
        assertTrue(typo.getMessage().contains("windwSize") && typo.getMessage().contains("windowSize"), typo.getMessage());

        SpecException size = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("""
                name: det
                stages: [pretrain, detect]
                base:
                  pretrain: {preset: micro}
                  detect: {input-size: 30}
                """)));
        assertEquals(5, size.line(), size.getMessage());
        assertTrue(size.getMessage().contains("input-size 30") && size.getMessage().contains("patch size 4"), size.getMessage());

        SpecException img = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec(
                "name: det\nstages: [pretrain, detect]\nbase:\n  detect: {model.imgHeight: 64}\n")));
        assertTrue(img.getMessage().contains("input-size"), img.getMessage());

        SpecException alone = assertThrows(SpecException.class, () -> ExperimentSpec.load(spec("name: det\nstages: [detect]\n")));
        assertTrue(alone.getMessage().contains("detect.init: scratch"), alone.getMessage());
    }
}
