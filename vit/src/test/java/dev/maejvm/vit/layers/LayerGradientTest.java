package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every layer's backward against central finite differences in float64 (bounds in
 * {@link GradCheck}). The objective is L = sum(y * R) for a fixed random R, so dL/dy = R.
 */
class LayerGradientTest {
    private static final int SAMPLES = 60;
    private static final Ctx TRAIN = Ctx.train(new java.util.SplittableRandom(0));

    /** Runs forward, backward with dy = R, then checks the input and every parameter. */
    static void checkLayer(String name, ParamStore store, INDArray x,
                                   BiFunction<INDArray, Ctx, INDArray> forward, UnaryOperator<INDArray> backward) {
        Random rng = new Random(7);
        // perturb the init so LayerNorm weights / biases are not trivially 1 / 0
        if (store.size() > 0) {
            store.values().addi(Arrays64.normal(rng, store.size()).muli(0.1));
        }
        INDArray y0 = forward.apply(x, TRAIN);
        INDArray r = Arrays64.normal(rng, y0.shape());
        store.zeroGrads();
        INDArray dx = backward.apply(r).dup();
        // the objective runs evaluation passes: only the training pass above is followed by a backward
        Function<INDArray, Double> objective = in -> Arrays64.dot(forward.apply(in, Ctx.eval()), r);
        GradCheck.check(name + " input", x, dx, () -> objective.apply(x), SAMPLES, 1);
        for (Param p : store.params()) {
            INDArray g = p.grad().dup();
            GradCheck.check(name + " " + p.name(), p.value(), g, () -> objective.apply(x), SAMPLES, 2);
        }
    }

    @Test
    void linear() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Linear lin = new Linear(store, "fc", 5, 7);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(1), 6, 5);
        checkLayer("linear", store, x, lin::forward, dy -> lin.backward(dy, true));
    }

    @Test
    void layerNorm() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        LayerNorm ln = new LayerNorm(store, "norm", 8, LayerNorm.MAE_EPS);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(2), 5, 8).muli(3).addi(1);
        checkLayer("layernorm", store, x, ln::forward, ln::backward);
    }

    @Test
    void gelu() {
        Gelu gelu = new Gelu(Scratch.own("act"));
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        INDArray x = Arrays64.normal(new Random(3), 4, 9).muli(2);
        checkLayer("gelu", none, x, gelu::forward, gelu::backward);
    }

    @Test
    void geluIsTheExactErfForm() {
        Gelu gelu = new Gelu(Scratch.own("act"));
        INDArray x = org.nd4j.linalg.factory.Nd4j.create(new double[] {-3, -1, -0.5, 0, 0.5, 1, 3}, 1, 7);
        INDArray y = gelu.forward(x, Ctx.eval());
        // x * (1 + erf(x / sqrt 2)) / 2 from Python's math.erf (the tanh approximation differs at 1e-7)
        double[] expected = {-0.00404969409489, -0.1586552539315, -0.154268769363, 0, 0.345731230637,
            0.8413447460685, 2.995950305905};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y.getDouble(0, i), 1e-12, "gelu(" + x.getDouble(0, i) + ")");
        }
    }

    @Test
    void mlp() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Mlp mlp = new Mlp(store, "mlp", 6, 24);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(4), 5, 6);
        checkLayer("mlp", store, x, mlp::forward, mlp::backward);
    }

    @Test
    void attention() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Attention attn = new Attention(store, "attn", 8, 2);
        store.build(1);
        int n = 2;
        int t = 3;
        INDArray x = Arrays64.normal(new Random(5), n * t, 8);
        checkLayer("attention", store, x, (in, ctx) -> attn.forward(in, n, t, ctx), attn::backward);
    }

    @Test
    void block() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Block block = new Block(store, "blocks.0", 8, 2, 4.0, LayerNorm.MAE_EPS);
        store.build(1);
        int n = 2;
        int t = 4;
        INDArray x = Arrays64.normal(new Random(6), n * t, 8);
        checkLayer("block", store, x, (in, ctx) -> block.forward(in, n, t, ctx), block::backward);
    }

    /** ViTDet's windowed block on a 5 x 3 map in windows of 2: padding rows at the bottom and right. */
    @Test
    void windowedBlock() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Block block = new Block(store, "blocks.0", 8, 2, 4.0, LayerNorm.MAE_EPS);
        store.build(1);
        int n = 2;
        TokenWindows w = TokenWindows.of(n, 5, 3, 2);
        INDArray x = Arrays64.normal(new Random(8), n * 15, 8);
        checkLayer("windowed block", store, x, (in, ctx) -> block.forward(in, n, 15, w, ctx), block::backward);
    }

    /** ViTDet's decomposed relative positions: in windows of 2 over a 5 x 3 map, and global over the whole map. */
    @Test
    void blocksWithRelativePositions() {
        int n = 2;
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Block windowed = new Block(store, "blocks.0", 8, 2, 4.0, LayerNorm.MAE_EPS, 0, dev.maejvm.vit.engine.Scratch.own("w"), 2, 2);
        store.build(1);
        TokenWindows w = TokenWindows.of(n, 5, 3, 2);
        INDArray x = Arrays64.normal(new Random(9), n * 15, 8);
        checkLayer("windowed block, rel pos", store, x, (in, ctx) -> windowed.forward(in, n, 15, w, ctx), windowed::backward);

        ParamStore g = new ParamStore(DataType.DOUBLE);
        Block global = new Block(g, "blocks.1", 8, 2, 4.0, LayerNorm.MAE_EPS, 0, dev.maejvm.vit.engine.Scratch.own("g"), 5, 3);
        g.build(2);
        checkLayer("global block, rel pos", g, x, (in, ctx) -> global.forward(in, n, 15, ctx), global::backward);
        assertEquals(java.util.List.of(9L, 4L), java.util.Arrays.stream(g.get("blocks.1.attn.rel_pos_h").shape()).boxed().toList(),
                "rel_pos_h [2h - 1, head dim]");
    }
}
