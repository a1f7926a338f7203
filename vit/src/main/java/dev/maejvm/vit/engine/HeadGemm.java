package dev.maejvm.vit.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The attention's small matrix products, one per (sample, head), straight on strided float32
 * host memory through the OpenBLAS that the CPU backend bundles ({@code cblas_sgemm} with
 * leading dimensions), so q, k and v are read where the qkv projection wrote them and the
 * context is written where the output projection reads it: no head permutes. ND4J's batched
 * matmul runs these small products slowly; one cblas call per head, the (sample, head) pairs
 * split over the cores, runs them much faster (timings in docs/PERFORMANCE.md).
 *
 * <p>{@link #applies} is false where OpenBLAS is absent ({@link Sgemm}). The (sample, head) pairs
 * are split over the cores, so sgemm is called from several threads at once, each call on one thread
 * ({@link Sgemm} switches OpenBLAS's own threads off; with {@code -Dmae.openblasThreads=true},
 * products over 65536 x 4 multiply-adds, such as vit-b16's 2.5 M, use them, and OpenBLAS's
 * pthreads build serialises concurrent callers). Checked against ND4J's mmul in
 * {@code HeadGemmTest}.
 */
public final class HeadGemm {
    private HeadGemm() {}

    /**
     * Matrix (sample s, head h) of an operand starts at element
     * {@code base + s * perSample + h * perHead} of the array, its rows {@code ld} apart.
     */
    public record Operand(INDArray array, long base, long perSample, long perHead, int ld) {}

    /** True when the fused path applies to the arrays and OpenBLAS's sgemm is there. */
    public static boolean applies(INDArray... arrays) {
        return Sgemm.applies(arrays);
    }

    /**
     * For every sample s < n and head h < heads: C = alpha * op(A) op(B), with op(A) [m, k],
     * op(B) [k, p] and C [m, p] (C is overwritten).
     */
    public static void gemm(int n, int heads, boolean transA, boolean transB, int m, int p, int k, double alpha,
                            Operand a, Operand b, Operand c) {
        FusedKernels.forRanges(n * heads, 1, (from, to) -> {                   // (sample, head) pairs
            FloatPointer ta = Sgemm.at(a.array(), a.base());
            FloatPointer tb = Sgemm.at(b.array(), b.base());
            FloatPointer tc = Sgemm.at(c.array(), c.base());
            long ao = ta.position();
            long bo = tb.position();
            long co = tc.position();
            for (int i = from; i < to; i++) {
                int s = i / heads;
                int h = i % heads;
                ta.position(ao + s * a.perSample() + h * a.perHead());
                tb.position(bo + s * b.perSample() + h * b.perHead());
                tc.position(co + s * c.perSample() + h * c.perHead());
                Sgemm.gemm(transA, transB, m, p, k, (float) alpha, ta, a.ld(), tb, b.ld(), 0f, tc, c.ld());
            }
        });
    }
}
