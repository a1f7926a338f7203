package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Closed-form properties of the feature-map layers and their place in the layer contract. */
class FeatureMapLayersTest {
    private static Ctx train() {
        return Ctx.train(new SplittableRandom(0));
    }

    /**
     * ViTDet's pyramid uses detectron2's {@code LayerNorm} (layers/batch_norm.py) on [N, C, H, W]:
     * u = x.mean(1), s = (x - u)^2.mean(1), x = (x - u) / sqrt(s + eps), weight[:, None, None] * x +
     * bias[:, None, None], eps 1e-6. Transcribed here in float64 loops over a channels-first array:
     * the existing {@link LayerNorm} on the channels-last rows gives the same values (to summation
     * order), so no new class is needed.
     */
    @Test
    void layerNormOnChannelsLastRowsIsDetectron2sChannelsFirstLayerNorm() {
        int n = 2, c = 5, h = 3, w = 4;
        double eps = 1e-6;
        Random rng = new Random(31);
        double[][][][] x = new double[n][c][h][w];
        double[] weight = new double[c];
        double[] bias = new double[c];
        for (int ch = 0; ch < c; ch++) {
            weight[ch] = 1 + 0.3 * rng.nextGaussian();
            bias[ch] = 0.3 * rng.nextGaussian();
        }
        INDArray rows = Nd4j.create(DataType.DOUBLE, (long) n * h * w, c);
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        x[s][ch][y][xx] = 2 * rng.nextGaussian() + 0.7;
                        rows.putScalar(new long[] {(s * h + y) * w + xx, ch}, x[s][ch][y][xx]);
                    }
                }
            }
        }
        ParamStore store = new ParamStore(DataType.DOUBLE);
        LayerNorm ln = new LayerNorm(store, "ln", c, eps);
        store.build(0);
        store.get("ln.weight").value().assign(Nd4j.create(weight));
        store.get("ln.bias").value().assign(Nd4j.create(bias));
        INDArray got = ln.forward(rows, Ctx.eval());
        double worst = 0;
        for (int s = 0; s < n; s++) {
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double u = 0;
                    for (int ch = 0; ch < c; ch++) {
                        u += x[s][ch][y][xx];
                    }
                    u /= c;
                    double var = 0;
                    for (int ch = 0; ch < c; ch++) {
                        var += (x[s][ch][y][xx] - u) * (x[s][ch][y][xx] - u);
                    }
                    var /= c;
                    for (int ch = 0; ch < c; ch++) {
                        double expected = weight[ch] * (x[s][ch][y][xx] - u) / Math.sqrt(var + eps) + bias[ch];
                        worst = Math.max(worst, Math.abs(expected - got.getDouble((s * h + y) * w + xx, ch)));
                    }
                }
            }
        }
        assertTrue(worst < 1e-12, "detectron2 LayerNorm transcription vs LayerNorm on rows: " + worst);
    }

    @Test
    void outputShapesFollowTorch() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        FeatureMap m = new FeatureMap(2, 5, 7);
        assertEquals(new FeatureMap(2, 3, 4), new Conv2d(store, "a", 3, 4, 3, 2, 1, true).outShape(m));
        assertEquals(new FeatureMap(2, 2, 3), new Conv2d(store, "b", 1, 1, 3, 2, 0, true).outShape(m));
        assertEquals(new FeatureMap(2, 5, 7), new Conv2d(store, "c", 1, 1, 3, 1, 1, true).outShape(m));
        assertEquals(new FeatureMap(2, 10, 14), new ConvTranspose2d(store, "d", 1, 1, true).outShape(m));
        assertEquals(new FeatureMap(2, 2, 3), new MaxPool2d(Scratch.own("p")).outShape(m));
        assertEquals(new FeatureMap(12, 3, 3), new WindowPartition(3, Scratch.own("w")).outShape(m));
        assertArrayEquals(new long[] {4, 3, 3, 3}, store.get("a.weight").shape(), "torch's Conv2d layout");
        assertArrayEquals(new long[] {1, 1, 2, 2}, store.get("d.weight").shape(), "torch's ConvTranspose2d layout");
    }

    @Test
    void flopsCountTheProductsAsFlopCountDoes() {
        // 2 FLOPs per multiply-add of the products, as model.FlopCount
        ParamStore store = new ParamStore(DataType.DOUBLE);
        FeatureMap m = new FeatureMap(2, 5, 7);
        assertEquals(2.0 * (2 * 3 * 4) * (3 * 9) * 4, new Conv2d(store, "a", 3, 4, 3, 2, 1, true).forwardFlops(m));
        assertEquals(2.0 * m.rows() * 6 * 4 * 5, new ConvTranspose2d(store, "b", 6, 5, true).forwardFlops(m));
    }

    @Test
    void pointwiseConvIsTheLinearOfTheSameWeights() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 4, 3, 1, 1, 0, true);
        Linear lin = new Linear(store, "lin", 4, 3);
        store.build(1);
        store.get("lin.weight").value().assign(store.get("conv.weight").value().reshape(3, 4));
        store.get("lin.bias").value().assign(Arrays64.normal(new Random(1), 3));
        store.get("conv.bias").value().assign(store.get("lin.bias").value());
        assertTrue(conv.pointwise());
        INDArray x = Arrays64.normal(new Random(2), 12, 4);
        assertEquals(0, Arrays64.maxAbsDiff(lin.forward(x, Ctx.eval()), conv.forward(x, new FeatureMap(2, 2, 3), Ctx.eval())), 1e-15);
    }

    @Test
    void initRules() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        new Conv2d(store, "conv", 64, 32, 3, 1, 1, true, Init.c2MsraFill(32, 3), Init.ZEROS, Scratch.own("conv"));   // fan_out 288
        new Conv2d(store, "torch", 8, 4, 3, 1, 1, true);         // torch's default: fan_in 72
        store.build(5);
        double b72 = 1 / Math.sqrt(72);
        for (String p : new String[] {"torch.weight", "torch.bias"}) {
            INDArray v = store.get(p).value();
            assertTrue(Transforms.abs(v, true).maxNumber().doubleValue() <= b72, p + " within 1/sqrt(fan_in)");
            assertTrue(Transforms.abs(v, true).maxNumber().doubleValue() > 0.5 * b72, p + " fills its range");
        }
        double[] xa = new double[10000];
        Init.c2XavierFill(72).fill(xa, new long[] {xa.length}, new SplittableRandom(2));
        assertEquals(Math.sqrt(3.0 / 72), java.util.Arrays.stream(xa).map(Math::abs).max().orElseThrow(), 1e-3);
        INDArray w = store.get("conv.weight").value();
        double std = w.stdNumber().doubleValue();
        assertEquals(Math.sqrt(2.0 / 288), std, 0.02 * std, "kaiming normal, fan_out, relu gain");
        assertEquals(0, store.get("conv.bias").value().norm2Number().doubleValue(), 0);
        Init torch = Init.torchConvDefault(64 * 9);
        double[] u = new double[10000];
        torch.fill(u, new long[] {u.length}, new SplittableRandom(1));
        double bound = 1 / Math.sqrt(64 * 9);
        assertTrue(java.util.Arrays.stream(u).allMatch(v -> Math.abs(v) <= bound), "torch default: U(-1/sqrt(fan_in), ..)");
    }

    @Test
    void windowUnpartitionUndoesThePartition() {
        FeatureMap m = new FeatureMap(3, 7, 5);
        INDArray x = Arrays64.normal(new Random(3), m.rows(), 2);
        WindowPartition part = new WindowPartition(4, Scratch.own("wp"));
        WindowUnpartition un = new WindowUnpartition(4, Scratch.own("wu"));
        INDArray windows = part.forward(x, m, Ctx.eval());
        assertEquals(3 * 2 * 2 * 16, windows.size(0));
        assertEquals(0, Arrays64.maxAbsDiff(x, un.forward(windows, m, Ctx.eval())), 0);
        // the padding rows are zero: the sum of squares is the input's
        assertEquals(x.norm2Number().doubleValue(), windows.norm2Number().doubleValue(), 1e-12);
    }

    @Test
    void aSpatialLayerRunTwiceBeforeItsBackwardThrows() {
        // a head conv shared over two pyramid levels must run once over all levels' rows, or be built per level
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "head.cls_subnet.0", 2, 2, 3, 1, 1, true);
        GroupNorm gn = new GroupNorm(store, "head.gn", 1, 2);
        store.build(1);
        FeatureMap p3 = new FeatureMap(1, 4, 4);
        FeatureMap p4 = new FeatureMap(1, 2, 2);
        conv.forward(Arrays64.normal(new Random(4), p3.rows(), 2), p3, train());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> conv.forward(Arrays64.normal(new Random(5), p4.rows(), 2), p4, train()));
        assertTrue(e.getMessage().contains("head.cls_subnet.0"), e.getMessage());
        gn.forward(Arrays64.normal(new Random(6), p3.rows(), 2), p3, train());
        assertThrows(IllegalStateException.class, () -> gn.forward(Arrays64.normal(new Random(7), p4.rows(), 2), p4, train()));
        MaxPool2d pool = new MaxPool2d(Scratch.own("pool"));
        assertThrows(IllegalStateException.class, () -> pool.backward(Arrays64.normal(new Random(8), 4, 2)), "never ran");
    }

    @Test
    void frozenParametersGetNoGradientAndTheInputGradientIsUnchanged() {
        FeatureMap m = new FeatureMap(2, 3, 4);
        INDArray x = Arrays64.normal(new Random(10), m.rows(), 4);
        INDArray[] dx = new INDArray[2];
        for (int frozen = 0; frozen < 2; frozen++) {
            ParamStore store = new ParamStore(DataType.DOUBLE);
            SpatialSequential net = SpatialSequential.of(new Conv2d(store, "conv", 4, 4, 3, 2, 1, true),
                    new GroupNorm(store, "gn", 2, 4), new ConvTranspose2d(store, "up", 4, 2, true));
            store.build(1);
            boolean freeze = frozen == 1;
            store.setTrainable(p -> !freeze || p.name().equals("up.bias"));
            store.zeroGrads();
            INDArray y = net.forward(x, m, train());
            dx[frozen] = net.backward(Arrays64.normal(new Random(11), y.shape())).dup();
            if (freeze) {
                assertEquals(2, store.gradSize(), "only up.bias trains");
                assertThrows(IllegalStateException.class, () -> store.get("conv.weight").grad());
                assertTrue(store.get("up.bias").grad().norm2Number().doubleValue() > 0);
            }
        }
        assertEquals(0, Arrays64.maxAbsDiff(dx[0], dx[1]), 0);
    }

    @Test
    void aRowCountThatDoesNotMatchTheMapIsRejected() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 2, 2, 3, 1, 1, true);
        store.build(1);
        assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Arrays64.normal(new Random(9), 15, 2), new FeatureMap(1, 4, 4), Ctx.eval()));
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(store, "gn", 3, 4));
    }
}
