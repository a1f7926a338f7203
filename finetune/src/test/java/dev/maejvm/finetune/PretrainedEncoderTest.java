package dev.maejvm.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.weights.LoadReport;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** An MAE checkpoint's encoder into a classifier: strict about the encoder, the head and fc_norm listed as missing. */
class PretrainedEncoderTest {
    @TempDir
    Path dir;
    MaskedAutoencoder mae;
    Path checkpoint;

    @BeforeEach
    void pretrainCheckpoint() throws IOException {
        PretrainConfig cfg = PretrainConfig.defaults("micro");
        mae = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 7);
        checkpoint = PretrainCheckpoint.save(dir.resolve("pre.safetensors"), mae, null, cfg, new TrainState(3, 0, 40, "run-42"),
                new Checkpoint.DataInfo("d", new float[] {0.3f}, new float[] {0.4f}));
    }

    private static ViTClassifier classifier(ViTConfig enc, GlobalPool pool) {
        return ViTClassifier.create(enc.withPosEmbed(ViTConfig.PosEmbedKind.LEARNED).withDropPathRate(0.1), pool, 5,
                DataType.FLOAT, 1);
    }

    @Test
    void theEncoderLoadsWithOnlyTheHeadAndFcNormMissing() throws IOException {
        PretrainedEncoder.Source src = PretrainedEncoder.inspect(checkpoint, null);
        assertEquals("micro", src.preset());
        assertEquals("run-42", src.runId());
        assertEquals(0.3f, src.mean()[0]);
        ViTClassifier c = classifier(src.encoder(), GlobalPool.AVG);
        LoadReport r = PretrainedEncoder.load(src, c);
        assertEquals(List.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias"), r.missing());
        assertTrue(r.unexpected().contains("norm.weight") && r.unexpected().contains("mask_token")
                && r.unexpected().stream().anyMatch(k -> k.startsWith("decoder_")), r.unexpected().toString());
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> enc = StateDict.encoderOnly(StateDict.of(mae));
        int compared = 0;
        for (Param p : c.params().params()) {
            if (enc.containsKey(p.name()) && !PretrainedEncoder.mayBeMissing(p.name())) {
                assertEquals(enc.get(p.name()).reshape(p.value().shape()), p.value(), p.name());
                compared++;
            }
        }
        assertEquals(1 + 1 + 2 + 2 * 12, compared, "cls, pos_embed, patch_embed, 2 blocks");

        ViTClassifier token = classifier(src.encoder(), GlobalPool.TOKEN);
        assertEquals(List.of("head.weight", "head.bias"), PretrainedEncoder.load(src, token).missing());
    }

    @Test
    void anotherGridIsInterpolatedAndSaidSo() throws IOException {
        PretrainedEncoder.Source src = PretrainedEncoder.inspect(checkpoint, "micro");
        ViTClassifier c = classifier(src.encoder().withImgSize(24, 24), GlobalPool.AVG);
        assertEquals(List.of("pos_embed"), PretrainedEncoder.load(src, c).interpolated());
    }

    @Test
    void aCheckpointOfAnotherKindOrPresetIsRefusedNamingBoth() throws IOException {
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> PretrainedEncoder.inspect(checkpoint, "tiny"));
        assertTrue(preset.getMessage().contains("micro") && preset.getMessage().contains("tiny"), preset.getMessage());
        ViTClassifier c = classifier(PretrainedEncoder.inspect(checkpoint, null).encoder(), GlobalPool.AVG);
        Path ft = Checkpoint.save(dir.resolve("ft.safetensors"), Checkpoint.Kind.FINETUNE, Map.of("model.", c.params()), null,
                Map.of(), 0, TrainState.fresh(), new Checkpoint.DataInfo("d", new float[] {0}, new float[] {1}));
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> PretrainedEncoder.inspect(ft, null));
        assertTrue(kind.getMessage().contains("finetune") && kind.getMessage().contains("pretrain"), kind.getMessage());
    }

    @Test
    void anEncoderOfAnotherWidthIsRefused() throws IOException {
        PretrainedEncoder.Source src = PretrainedEncoder.inspect(checkpoint, null);
        ViTConfig e = src.encoder();
        ViTClassifier wide = classifier(new ViTConfig(e.imgSize(), e.patchSize(), e.inChans(), 64, e.depth(), 2, 4.0),
                GlobalPool.AVG);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> PretrainedEncoder.load(src, wide));
        assertTrue(ex.getMessage().contains("32-d") && ex.getMessage().contains("64-d"), ex.getMessage());
    }
}
