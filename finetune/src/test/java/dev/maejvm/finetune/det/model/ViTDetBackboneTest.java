package dev.maejvm.finetune.det.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ViTDetBackboneTest {
    /** 16 x 12 input, patch 4: a 4 x 3 map; windows of 2 pad it to 4 x 4; block 1 global. */
    private static final ViTConfig CFG = new ViTConfig(16, 12, 4, 2, 8, 2, 2, 4.0, 0.2, ViTConfig.PosEmbedKind.LEARNED);

    @Test
    void everyParameterAndTheMapMatchFiniteDifferences() {
        // drop path off: the finite differences run evaluation passes, which do not drop
        ParamStore s0 = new ParamStore(DataType.DOUBLE);
        ViTDetBackbone net0 = new ViTDetBackbone(s0, CFG.withDropPathRate(0), 2, Set.of(1), new ScratchPool());
        s0.build(3);
        Random rng = new Random(5);
        s0.values().addi(Arrays64.normal(rng, s0.size()).muli(0.1));
        INDArray imgs = Arrays64.normal(rng, 2, 2, 16, 12);
        INDArray map = net0.forward(imgs, Ctx.train(new java.util.SplittableRandom(1)));
        assertEquals(2 * 4 * 3, map.size(0), "rows n, y, x of the 4 x 3 map");
        assertEquals(8, map.size(1));
        INDArray r = Arrays64.normal(rng, map.shape());
        s0.zeroGrads();
        net0.backward(r);
        for (Param p : s0.params()) {
            INDArray g = p.grad().dup();
            GradCheck.check(p.name(), p.value(), g, () -> Arrays64.dot(net0.forward(imgs, Ctx.eval()), r), 30, 7);
        }
        assertTrue(s0.get("pos_embed").grad().reshape(13, 8).getRow(0).amaxNumber().doubleValue() == 0,
                "the cls token's row of the table is not used");
    }

    /** With ViTDet's relative positions (windows of 2, and the whole 4 x 3 map in the global block). */
    @Test
    void withRelativePositionsEveryParameterMatchesFiniteDifferences() {
        ParamStore s0 = new ParamStore(DataType.DOUBLE);
        ViTDetBackbone net = new ViTDetBackbone(s0, CFG.withDropPathRate(0), 2, Set.of(1), true, new ScratchPool());
        s0.build(3);
        Random rng = new Random(6);
        s0.values().addi(Arrays64.normal(rng, s0.size()).muli(0.1));
        assertEquals(3, s0.get("blocks.0.attn.rel_pos_h").shape()[0], "a window of 2: 2h - 1 rows");
        assertEquals(7, s0.get("blocks.1.attn.rel_pos_h").shape()[0], "the global block's 4-row map");
        INDArray imgs = Arrays64.normal(rng, 2, 2, 16, 12);
        INDArray map = net.forward(imgs, Ctx.train(new java.util.SplittableRandom(1)));
        INDArray r = Arrays64.normal(rng, map.shape());
        s0.zeroGrads();
        net.backward(r);
        for (Param p : s0.params()) {
            INDArray g = p.grad().dup();
            GradCheck.check(p.name(), p.value(), g, () -> Arrays64.dot(net.forward(imgs, Ctx.eval()), r), 20, 7);
        }
    }

    @Test
    void globalBlocksMustExist() {
        assertThrows(IllegalArgumentException.class,
                () -> new ViTDetBackbone(new ParamStore(DataType.DOUBLE), CFG, 2, Set.of(2), new ScratchPool()));
    }
}
