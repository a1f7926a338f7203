package dev.maejvm.vit.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** HeadGemm's strided per-head products against ND4J's mmul of the same blocks, in float32. */
class HeadGemmTest {
    /** float32 sums of k O(1) products against float64: relative to the result's scale, ~sqrt(k) * 2^-24. */
    static final double RTOL = 1e-5;

    @Test
    void stridedProductsPerHeadMatchMmul() {
        check(33, 2, 5, 3);   // 66 (sample, head) pairs: split over the cores unevenly
    }

    /**
     * vit-b16's heads ([197,64] x [64,197] and back): 2.5 M multiply-adds a product, over
     * OpenBLAS's single-thread limit (65536 x 4); 6 samples x 12 heads in pieces that cut across
     * samples. The Java threads call sgemm at once: single-threaded calls once {@link Sgemm} has
     * switched OpenBLAS's threads off, threaded ones (which OpenBLAS's pthreads build must keep
     * apart) before that or with -Dmae.openblasThreads=true.
     */
    @Test
    void concurrentThreadedProductsAtVitB16ShapesMatchMmul() {
        check(6, 12, 197, 64);
    }

    static void check(int n, int heads, int t, int hd) {
        int d = heads * hd;
        Random rng = new Random(11);
        // a: tokens [N*T, 3D] as a row range of a bigger array (a view with an offset)
        INDArray big = Arrays64.normal(rng, n * t + 4, 3 * d).castTo(DataType.FLOAT);
        INDArray a = big.get(NDArrayIndex.interval(3, 3 + n * t), NDArrayIndex.all());
        INDArray c = Nd4j.create(DataType.FLOAT, (long) n * heads, t, t);
        HeadGemm.Operand q = new HeadGemm.Operand(a, 0, (long) t * 3 * d, hd, 3 * d);
        HeadGemm.Operand k = new HeadGemm.Operand(a, d, (long) t * 3 * d, hd, 3 * d);
        HeadGemm.Operand s = new HeadGemm.Operand(c, 0, (long) heads * t * t, (long) t * t, t);
        assertTrue(HeadGemm.applies(a, c), "float32 host arrays take the OpenBLAS path");
        HeadGemm.gemm(n, heads, false, true, t, t, hd, 0.5, q, k, s);             // S = 0.5 q k^T

        // and back: out[t, hd] = S^T k written into columns 2D + h*hd of a [N*T, 3D] array
        INDArray out = Nd4j.create(DataType.FLOAT, (long) n * t, 3 * d);
        HeadGemm.gemm(n, heads, true, false, t, hd, t, 1.0, s, k,
                new HeadGemm.Operand(out, 2 * d, (long) t * 3 * d, hd, 3 * d));
        double worst = 0;
        double scale = 0;
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                org.nd4j.linalg.indexing.INDArrayIndex rows = NDArrayIndex.interval(b * t, (b + 1) * t);
                INDArray qb = a.get(rows, NDArrayIndex.interval(h * hd, (h + 1) * hd)).castTo(DataType.DOUBLE);
                INDArray kb = a.get(rows, NDArrayIndex.interval(d + h * hd, d + (h + 1) * hd)).castTo(DataType.DOUBLE);
                INDArray sRef = qb.mmul(kb.transpose()).muli(0.5);
                worst = Math.max(worst, Arrays64.maxAbsDiff(c.get(NDArrayIndex.point((long) b * heads + h)), sRef));
                INDArray oRef = sRef.transpose().mmul(kb);
                INDArray ob = out.get(rows, NDArrayIndex.interval(2 * d + h * hd, 2 * d + (h + 1) * hd));
                worst = Math.max(worst, Arrays64.maxAbsDiff(ob, oRef));
                scale = Math.max(scale, Math.max(sRef.amaxNumber().doubleValue(), oRef.amaxNumber().doubleValue()));
            }
        }
        assertTrue(worst < RTOL * scale, "max |diff| " + worst + " at scale " + scale);
        assertTrue(out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2 * d)).amaxNumber().doubleValue() == 0,
                "columns of q and k untouched");
    }
}
