package dev.maejvm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.ParamStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** A checkpoint of two models by prefix, a buffer, the optimiser state; a wrong kind is refused naming both. */
class CheckpointTest {
    @TempDir
    Path dir;

    private static ParamStore encoder(long seed) {
        ParamStore s = new ParamStore(DataType.FLOAT);
        s.register("blocks.0.w", new long[] {2, 3}, new Init.Normal(1));
        s.registerBuffer("running_mean", Nd4j.zeros(DataType.FLOAT, 3), false);
        return s.build(seed);
    }

    private static ParamStore head(long seed) {
        ParamStore s = new ParamStore(DataType.FLOAT);
        s.register("head.weight", new long[] {4, 3}, new Init.Normal(1));
        return s.build(seed);
    }

    @Test
    void twoModelsBuffersAndOptimiserStateRoundTrip() throws IOException {
        ParamStore enc = encoder(1);
        ParamStore hd = head(2);
        enc.buffers().get("running_mean").assign(Nd4j.create(new float[] {0.5f, -1, 2}));
        AdamW opt = new AdamW(hd, new AdamWConfig(0.9, 0.999, 1e-8, 0));
        hd.grads().assign(0.25);
        opt.update(1e-2);
        Map<String, ParamStore> models = new LinkedHashMap<>();
        models.put("encoder.", enc);
        models.put("head.", hd);
        Path file = Checkpoint.save(dir.resolve("c.safetensors"), Checkpoint.Kind.LINPROBE, models, opt,
                Map.of("lr", "0.1"), 7, new TrainState(2, 3, 11, "run"), new Checkpoint.DataInfo("d", new float[] {0}, new float[] {1}));

        ParamStore enc2 = encoder(5);
        ParamStore hd2 = head(6);
        AdamW opt2 = new AdamW(hd2, new AdamWConfig(0.9, 0.999, 1e-8, 0));
        Map<String, ParamStore> models2 = new LinkedHashMap<>();
        models2.put("encoder.", enc2);
        models2.put("head.", hd2);
        Checkpoint.Info info = Checkpoint.restore(file, Checkpoint.Kind.LINPROBE, models2, opt2);
        assertEquals(new TrainState(2, 3, 11, "run"), info.state());
        assertEquals("0.1", info.config().get("lr"));
        assertEquals(enc.values(), enc2.values());
        assertEquals(hd.values(), hd2.values());
        assertEquals(enc.buffers().get("running_mean"), enc2.buffers().get("running_mean"), "a loaded buffer");
        assertEquals(1, opt2.step());
        assertEquals(opt.firstMoment(), opt2.firstMoment());
        assertEquals(opt.secondMoment(), opt2.secondMoment());
    }

    @Test
    void aCheckpointOfAnotherKindIsRefusedNamingBoth() throws IOException {
        ParamStore hd = head(2);
        Path file = Checkpoint.save(dir.resolve("c.safetensors"), Checkpoint.Kind.FINETUNE, Map.of("head.", hd), null,
                Map.of(), 0, TrainState.fresh(), new Checkpoint.DataInfo("d", new float[] {0}, new float[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.info(file, Checkpoint.Kind.PRETRAIN));
        assertTrue(e.getMessage().contains("finetune") && e.getMessage().contains("pretrain"), e.getMessage());
        assertEquals(Checkpoint.Kind.FINETUNE, Checkpoint.info(file).kind());
    }

    @Test
    void aMismatchInTheSecondModelLeavesTheFirstUntouched() throws IOException {
        Map<String, ParamStore> models = new LinkedHashMap<>();
        models.put("encoder.", encoder(1));
        models.put("head.", head(2));
        Path file = Checkpoint.save(dir.resolve("c.safetensors"), Checkpoint.Kind.FINETUNE, models, null,
                Map.of(), 0, TrainState.fresh(), new Checkpoint.DataInfo("d", new float[] {0}, new float[] {1}));
        ParamStore enc2 = encoder(5);
        ParamStore wrongHead = new ParamStore(DataType.FLOAT);
        wrongHead.register("head.weight", new long[] {5, 3}, new Init.Normal(1));       // 5 classes, the file has 4
        wrongHead.build(6);
        Map<String, ParamStore> models2 = new LinkedHashMap<>();
        models2.put("encoder.", enc2);
        models2.put("head.", wrongHead);
        var before = enc2.values().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.loadModels(file, Checkpoint.Kind.FINETUNE, models2));
        assertTrue(e.getMessage().contains("head.weight"), e.getMessage());
        assertEquals(before, enc2.values(), "the first model is not half-loaded");
    }
}
