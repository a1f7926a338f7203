package dev.maejvm.vit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.layers.Attention;
import dev.maejvm.vit.layers.Block;
import dev.maejvm.vit.layers.LayerNorm;
import dev.maejvm.vit.layers.Linear;
import dev.maejvm.vit.layers.Mlp;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused float32 kernels against the portable ND4J-op path they replace. The portable path
 * is run in float64 (where the fused one never applies, and where it is gradient-checked), the
 * fused in float32: agreement within float32 rounding of O(1) activations, 1e-4.
 */
class FusedKernelsTest {
    /** A training pass (these layers draw nothing from it). */
    private static final Ctx TRAIN = Ctx.train(new java.util.SplittableRandom(0));
    static final double TOL = 1e-4;

    /** Builds the same layer twice (float32 and float64, same init), runs forward and backward on both. */
    static void compare(String what, Function<ParamStore, Function<INDArray, INDArray[]>> layer, long... inShape) {
        ParamStore s32 = new ParamStore(DataType.FLOAT);
        ParamStore s64 = new ParamStore(DataType.DOUBLE);
        Function<INDArray, INDArray[]> f32 = layer.apply(s32);
        Function<INDArray, INDArray[]> f64 = layer.apply(s64);
        s32.build(3);
        s64.build(3);
        Random rng = new Random(5);
        if (s64.size() > 0) {                                   // a layer without parameters has an empty store
            INDArray noise = Arrays64.normal(rng, s64.size()).muli(0.1);
            s64.values().addi(noise);
            s32.values().addi(noise.castTo(DataType.FLOAT));
        }
        INDArray x = Arrays64.normal(rng, inShape).muli(2).addi(0.5);
        s32.zeroGrads();
        s64.zeroGrads();
        INDArray[] a = f32.apply(x.castTo(DataType.FLOAT));
        INDArray[] b = f64.apply(x);
        for (int i = 0; i < a.length; i++) {
            double diff = Arrays64.maxAbsDiff(a[i], b[i]);
            assertTrue(diff < TOL, what + " output " + i + ": " + Arrays64.worstDiff(b[i], a[i]));
        }
        if (s64.gradSize() == 0) {
            return;
        }
        double g = Arrays64.maxAbsDiff(s32.grads(), s64.grads());
        assertTrue(g < TOL, what + " parameter gradients: " + Arrays64.worstDiff(s64.grads(), s32.grads()));
    }

    @Test
    void layerNormMatchesThePortablePath() {
        // 37 rows: not a multiple of the thread count
        compare("layernorm", s -> {
            LayerNorm ln = new LayerNorm(s, "n", 24, LayerNorm.MAE_EPS);
            return x -> {
                INDArray y = ln.forward(x, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, ln.backward(r).dup()};
            };
        }, 37, 24);
    }

    @Test
    void attentionSoftmaxMatchesThePortablePath() {
        compare("attention", s -> {
            Attention at = new Attention(s, "a", 16, 2);
            return x -> {
                INDArray y = at.forward(x, 3, 13, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, at.backward(r).dup()};
            };
        }, 39, 16);
    }

    @Test
    void attentionSplitOverCoresMatchesThePortablePath() {
        // 35 samples (HeadGemm splits samples over the cores; 35 is odd), 7 tokens, 3 heads of 4
        compare("attention", s -> {
            Attention at = new Attention(s, "a", 12, 3);
            return x -> {
                INDArray y = at.forward(x, 35, 7, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, at.backward(r).dup()};
            };
        }, 245, 12);
    }

    @Test
    void wholeBlockMatchesThePortablePath() {
        // every fused kernel of a block at once, residual adds included; 35 samples of 7 tokens
        compare("block", s -> {
            Block b = new Block(s, "blocks.0", 12, 3, 4.0, LayerNorm.MAE_EPS);
            return x -> {
                INDArray y = b.forward(x, 35, 7, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, b.backward(r).dup()};
            };
        }, 245, 12);
    }

    @Test
    void classifierWithDropPathMatchesThePortablePath() {
        // positions added and their gradient scattered, average pooling's gradient spread over the
        // patch rows, drop path: 19 samples of 1 + 6 tokens (a 2 x 3 grid), learned positions
        ViTConfig cfg = new ViTConfig(8, 12, 4, 2, 16, 2, 2, 4.0, 0.3, ViTConfig.PosEmbedKind.LEARNED);
        compare("classifier", s -> {
            ViTClassifier c = new ViTClassifier(s, cfg, GlobalPool.AVG, 5);
            return x -> {
                INDArray y = c.forward(x, Ctx.train(new java.util.SplittableRandom(7))).dup();   // the same draws in both
                c.backward(Arrays64.normal(new Random(9), y.shape()).castTo(y.dataType()));
                return new INDArray[] {y};
            };
        }, 19, 2, 8, 12);
    }

    @Test
    void maskedEncoderMatchesThePortablePath() {
        // the kept tokens and their positions written after each sample's cls row: 6 samples, 4 of 16 patches kept
        MaeConfig cfg = MaeConfig.preset("micro");
        compare("masked encoder", s -> {
            MaskedAutoencoder mae = new MaskedAutoencoder(cfg, s);
            return x -> {
                Masking m = mae.randomMasking(6, 0.75, new java.util.SplittableRandom(3));
                INDArray y = mae.forwardEncoder(x, m, TRAIN).dup();
                mae.backwardEncoder(Arrays64.normal(new Random(9), y.shape()).castTo(y.dataType()));
                return new INDArray[] {y};
            };
        }, 6, 1, 16, 16);
    }

    @Test
    void mlpGeluMatchesThePortablePath() {
        // 700 x 100 hidden values: GELU split over the cores in chunks, the last one partial
        compare("mlp", s -> {
            Mlp mlp = new Mlp(s, "m", 25, 100);
            return x -> {
                INDArray y = mlp.forward(x, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, mlp.backward(r).dup()};
            };
        }, 700, 25);
    }

    @Test
    void biasAddAndBiasGradientMatchThePortablePath() {
        // 33 rows: two row ranges of 16 and 17 for the column sums of the bias gradient
        compare("linear", s -> {
            Linear lin = new Linear(s, "l", 8, 19);
            return x -> {
                INDArray y = lin.forward(x, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), y.shape()).castTo(x.dataType());
                return new INDArray[] {y, lin.backward(r, true).dup()};
            };
        }, 33, 8);
    }

    @Test
    void fusedPathTakesViewsWithOffsets() {
        // a parameter view deep inside the flat buffer, as LayerNorm's weights are in a model
        ParamStore s = new ParamStore(DataType.FLOAT);
        new Linear(s, "before", 7, 5);
        LayerNorm ln = new LayerNorm(s, "n", 6, 1e-6);
        s.build(1);
        s.get("n.weight").value().assign(2);
        s.get("n.bias").value().assign(-1);
        INDArray x = org.nd4j.linalg.factory.Nd4j.create(new float[] {1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1}, new long[] {2, 6});
        assertTrue(FusedKernels.applies(x, s.get("n.weight").value()));
        INDArray y = ln.forward(x, Ctx.eval());
        // row 0: mean 3.5, var 35/12; y = (x - 3.5) / sqrt(35/12 + 1e-6) * 2 - 1
        double expected = (1 - 3.5) / Math.sqrt(35.0 / 12 + 1e-6) * 2 - 1;
        assertTrue(Math.abs(y.getDouble(0, 0) - expected) < 1e-5, "got " + y.getDouble(0, 0) + " expected " + expected);
    }

    @Test
    void columnOpsMatchNd4jBroadcasts() {
        // 37 rows of 29 as a view at an offset; z = x in place for the product
        Random rng = new Random(12);
        INDArray x64 = Arrays64.normal(rng, 37, 29);
        INDArray c64 = Arrays64.normal(rng, 37);
        INDArray big = Arrays64.normal(rng, 40, 29).castTo(DataType.FLOAT);
        INDArray x = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 39),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        x.assign(x64.castTo(DataType.FLOAT));
        INDArray outside = org.nd4j.linalg.factory.Nd4j.vstack(big.getRow(0), big.getRow(1), big.getRow(39)).dup();
        INDArray c = c64.castTo(DataType.FLOAT);
        INDArray diff = x.like();
        assertTrue(FusedKernels.applies(x, c, diff), "float32 host arrays take the fused path");
        Kernels.subColumn(x, c, diff);
        Kernels.mulColumn(x, c, x);
        INDArray diffRef = x64.subColumnVector(c64.reshape(37, 1));
        INDArray prodRef = x64.mulColumnVector(c64.reshape(37, 1));
        assertTrue(Arrays64.maxAbsDiff(diff, diffRef) < TOL, "x - col: " + Arrays64.worstDiff(diffRef, diff));
        assertTrue(Arrays64.maxAbsDiff(x, prodRef) < TOL, "x * col: " + Arrays64.worstDiff(prodRef, x));
        assertTrue(org.nd4j.linalg.factory.Nd4j.vstack(big.getRow(0), big.getRow(1), big.getRow(39)).equals(outside),
                "rows outside the view untouched");
    }

    /**
     * Past 2^31 bytes into its buffer an array is out of reach of ND4J's NIO view (which silently
     * stops at 2^31 - 1 bytes): the fused kernels must decline it, and the portable path must give
     * the right answer there; the gemm, which takes addresses, still runs there. The 2.15 GB buffer is left uninitialised, so it costs address space only.
     */
    @Test
    void arraysPastTheNioReachTakeThePortablePath() {
        long n = FusedKernels.NIO_REACH + 1001;
        INDArray big = Nd4j.createUninitialized(DataType.FLOAT, n);
        INDArray head = big.get(NDArrayIndex.interval(0, 1000)).reshape(100, 10);
        INDArray tail = big.get(NDArrayIndex.interval(n - 1000, n)).reshape(100, 10);
        assertTrue(FusedKernels.applies(head));
        assertFalse(FusedKernels.applies(tail));

        INDArray x = Nd4j.rand(DataType.FLOAT, 100, 10);
        INDArray col = Nd4j.rand(DataType.FLOAT, 100);
        tail.assign(x);
        Kernels.mulColumn(tail, col, tail);
        INDArray expected = x.mulColumnVector(col.reshape(100, 1));
        assertEquals(0, expected.sub(tail).amaxNumber().doubleValue(), 1e-7);

        // the gemm takes addresses, not NIO views: it keeps the OpenBLAS path out there, and is right
        assertTrue(Sgemm.applies(tail));
        INDArray w = Nd4j.rand(DataType.FLOAT, 10, 7);
        INDArray out = Nd4j.create(DataType.FLOAT, 100, 7);
        Kernels.matmul(tail, w, out, false, false, 1.0, 0.0);
        double worst = expected.castTo(DataType.DOUBLE).mmul(w.castTo(DataType.DOUBLE)).sub(out.castTo(DataType.DOUBLE))
                .amaxNumber().doubleValue();
        assertEquals(0, worst, 1e-5);
    }

    /** Patches gathered in one pass equal the float64 (ND4J permute) path exactly: a copy, in both layouts. */
    @Test
    void patchesMatchThePortablePath() {
        Random rng = new Random(8);
        INDArray imgs64 = Arrays64.normal(rng, 3, 2, 12, 8);                 // not square: grid 3 x 2
        INDArray imgs32 = imgs64.castTo(DataType.FLOAT);
        INDArray want = dev.maejvm.vit.model.Patches.patchify(imgs64, 4, null).reshape(3 * 6, 32).castTo(DataType.FLOAT);
        INDArray got = dev.maejvm.vit.model.Patches.patchify(imgs32, 4, null).reshape(3 * 6, 32);
        assertEquals(0.0, Arrays64.maxAbsDiff(got, want), "patchify (p, q, c)");
        INDArray one = Nd4j.create(DataType.FLOAT, 1, 32);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PatchKernels.gatherPatches(imgs32, 4, false, new int[] {18}, one), "a row past the 18 patches");
        int[] rows = {17, 0, 5, 6, 11};
        INDArray cols = Nd4j.create(DataType.FLOAT, rows.length, 32);
        PatchKernels.gatherPatches(imgs32, 4, false, rows, cols);
        for (int i = 0; i < rows.length; i++) {
            int sample = rows[i] / 6;
            int y0 = rows[i] % 6 / 2 * 4;
            int x0 = rows[i] % 6 % 2 * 4;
            for (int c = 0; c < 2; c++) {
                for (int py = 0; py < 4; py++) {
                    for (int px = 0; px < 4; px++) {
                        assertEquals(imgs32.getFloat(sample, c, y0 + py, x0 + px), cols.getFloat(i, (c * 4 + py) * 4 + px),
                                "row " + i + " (patch " + rows[i] + ") c " + c + " at " + py + "," + px);
                    }
                }
            }
        }
    }
}
