package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TokenWindowsTest {
    @Test
    void partitionIsDetectron2sWithZeroPaddingBottomRight() {
        TokenWindows w = TokenWindows.of(1, 3, 3, 2);             // padded to 4 x 4: four windows of 4
        assertEquals(4, w.windows());
        assertEquals(4, w.tokens());
        assertArrayEquals(new int[] {0, 1, 3, 4, 2, -1, 5, -1, 6, 7, -1, -1, 8, -1, -1, -1}, w.partition());
        for (int r = 0; r < 9; r++) {
            assertEquals(r, w.partition()[w.merge()[r]], "merge inverts the partition");
        }
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.of(1, 3, 3, 0));
    }

    /** Windowed attention in one window covering the whole map is global attention; float32 and float64 agree. */
    @Test
    void oneWindowOverTheMapIsGlobalAttentionInBothPrecisions() {
        int n = 2;
        int h = 4;
        int w = 4;
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            ParamStore store = new ParamStore(dt);
            Block block = new Block(store, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS);
            store.build(3);
            INDArray x = Arrays64.normal(new Random(4), n * h * w, 16).castTo(dt);
            INDArray global = block.forward(x, n, h * w, Ctx.eval()).dup();
            INDArray windowed = block.forward(x, n, h * w, TokenWindows.of(n, h, w, 4), Ctx.eval()).dup();
            assertEquals(0, global.sub(windowed).amaxNumber().doubleValue(), dt == DataType.DOUBLE ? 1e-12 : 1e-5);
        }
        // float32 (fused gathers) against float64 with padding
        TokenWindows win = TokenWindows.of(n, 5, 3, 2);
        ParamStore s64 = new ParamStore(DataType.DOUBLE);
        Block b64 = new Block(s64, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS);
        s64.build(5);
        ParamStore s32 = new ParamStore(DataType.FLOAT);
        Block b32 = new Block(s32, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS);
        s32.build(5);
        s32.values().assign(s64.values().castTo(DataType.FLOAT));
        INDArray x = Arrays64.normal(new Random(9), n * 15, 16);
        Ctx train = Ctx.train(new java.util.SplittableRandom(0));
        INDArray y64 = b64.forward(x, n, 15, win, train).dup();
        INDArray y32 = b32.forward(x.castTo(DataType.FLOAT), n, 15, win, train).dup();
        assertEquals(0, y64.sub(y32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4);
        INDArray dy = Arrays64.normal(new Random(10), n * 15, 16);
        s64.zeroGrads();
        s32.zeroGrads();
        INDArray dx64 = b64.backward(dy).dup();
        INDArray dx32 = b32.backward(dy.castTo(DataType.FLOAT)).dup();
        assertEquals(0, dx64.sub(dx32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4);
        double scale = s64.grads().amaxNumber().doubleValue();
        assertEquals(0, s64.grads().sub(s32.grads().castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4 * scale);
        assertEquals(0, Nd4j.zeros(1).sumNumber().doubleValue());
    }

    /** Zero tables (their init) leave attention as it was; the float32 path agrees with float64 once they are not zero. */
    @Test
    void relativePositionsStartAsPlainAttentionAndAgreeInBothPrecisions() {
        int n = 2;
        ParamStore plain = new ParamStore(DataType.DOUBLE);
        Block a = new Block(plain, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS);
        plain.build(5);
        ParamStore rel = new ParamStore(DataType.DOUBLE);
        Block b = new Block(rel, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS, 0, dev.maejvm.vit.engine.Scratch.own("r"), 4, 4);
        rel.build(5);
        for (var p : plain.params()) {
            rel.get(p.name()).value().assign(p.value());
        }
        INDArray x = Arrays64.normal(new Random(11), n * 16, 16);
        assertEquals(0, a.forward(x, n, 16, Ctx.eval()).dup().sub(b.forward(x, n, 16, Ctx.eval())).amaxNumber().doubleValue(), 1e-12);

        rel.get("blocks.0.attn.rel_pos_h").value().assign(Arrays64.normal(new Random(12), 7, 8));
        rel.get("blocks.0.attn.rel_pos_w").value().assign(Arrays64.normal(new Random(13), 7, 8));
        ParamStore r32 = new ParamStore(DataType.FLOAT);
        Block c = new Block(r32, "blocks.0", 16, 2, 4.0, LayerNorm.MAE_EPS, 0, dev.maejvm.vit.engine.Scratch.own("f"), 4, 4);
        r32.build(5);
        r32.values().assign(rel.values().castTo(DataType.FLOAT));
        Ctx train = Ctx.train(new java.util.SplittableRandom(0));
        INDArray y64 = b.forward(x, n, 16, train).dup();
        INDArray y32 = c.forward(x.castTo(DataType.FLOAT), n, 16, train).dup();
        assertEquals(0, y64.sub(y32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4);
        INDArray dy = Arrays64.normal(new Random(14), n * 16, 16);
        rel.zeroGrads();
        r32.zeroGrads();
        INDArray dx64 = b.backward(dy).dup();
        INDArray dx32 = c.backward(dy.castTo(DataType.FLOAT)).dup();
        assertEquals(0, dx64.sub(dx32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4);
        double scale = rel.grads().amaxNumber().doubleValue();
        assertEquals(0, rel.grads().sub(r32.grads().castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-4 * scale);
        assertTrue(rel.get("blocks.0.attn.rel_pos_h").grad().amaxNumber().doubleValue() > 0, "the tables learn");
    }
}
