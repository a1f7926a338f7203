package dev.maejvm.vit.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The attention's small matrix products, one per (sample, head), straight on strided float32
 * host memory through the OpenBLAS that the CPU backend bundles ({@code cblas_sgemm} with
 * leading dimensions), so q, k and v are read where the qkv projection wrote them and the
 * context is written where the output projection reads it: no head permutes. ND4J's batched
 * matmul ran these at 14 GFLOP/s ([384,13,64]x[384,64,13]) and 42 ([512,50,32]x[512,32,50]);
 * one cblas call per head, samples split over the cores: 47 and 101 (measured in one run).
 *
 * <p>OpenBLAS is looked up by reflection, so this module compiles against any ND4J backend;
 * {@link #applies} is false where it is absent. Calls from two threads at once are safe here:
 * products this small run single-threaded inside OpenBLAS.
 */
public final class HeadGemm {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final MethodHandle SGEMM = findSgemm();

    private HeadGemm() {}

    /**
     * Matrix (sample s, head h) of an operand starts at element
     * {@code base + s * perSample + h * perHead} of the array, its rows {@code ld} apart.
     */
    public record Operand(INDArray array, long base, long perSample, long perHead, int ld) {}

    /** True when the fused path applies to the arrays and OpenBLAS's sgemm is there. */
    public static boolean applies(INDArray... arrays) {
        return SGEMM != null && FusedKernels.applies(arrays);
    }

    /**
     * For every sample s < n and head h < heads: C = alpha * op(A) op(B), with op(A) [m, k],
     * op(B) [k, p] and C [m, p] (C is overwritten).
     */
    public static void gemm(int n, int heads, boolean transA, boolean transB, int m, int p, int k, double alpha,
                            Operand a, Operand b, Operand c) {
        FloatPointer pa = pointer(a.array());
        FloatPointer pb = pointer(b.array());
        FloatPointer pc = pointer(c.array());
        long ao = viewOffset(a.array()) + a.base();
        long bo = viewOffset(b.array()) + b.base();
        long co = viewOffset(c.array()) + c.base();
        FusedKernels.forRows(n, (from, to) -> {
            FloatPointer ta = new FloatPointer(pa);
            FloatPointer tb = new FloatPointer(pb);
            FloatPointer tc = new FloatPointer(pc);
            for (int s = from; s < to; s++) {
                for (int h = 0; h < heads; h++) {
                    ta.position(ao + s * a.perSample() + h * a.perHead());
                    tb.position(bo + s * b.perSample() + h * b.perHead());
                    tc.position(co + s * c.perSample() + h * c.perHead());
                    sgemm(transA, transB, m, p, k, (float) alpha, ta, a.ld(), tb, b.ld(), tc, c.ld());
                }
            }
        });
    }

    private static FloatPointer pointer(INDArray array) {
        return new FloatPointer(array.data().addressPointer());
    }

    /**
     * Where the array's first element lies from its buffer's pointer: a view's buffer may start
     * at the view already (its pointer then includes data().offset()), unlike its NIO buffer.
     */
    private static long viewOffset(INDArray array) {
        return array.offset() - array.data().offset();
    }

    private static void sgemm(boolean transA, boolean transB, int m, int p, int k, float alpha,
                              FloatPointer a, int lda, FloatPointer b, int ldb, FloatPointer c, int ldc) {
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, p, k, alpha,
                    a, lda, b, ldb, 0f, c, ldc);
        } catch (Throwable e) {
            throw new IllegalStateException("cblas_sgemm failed", e);
        }
    }

    private static MethodHandle findSgemm() {
        try {
            Class<?> blas = Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            MethodType type = MethodType.methodType(void.class, int.class, int.class, int.class, int.class, int.class,
                    int.class, float.class, FloatPointer.class, int.class, FloatPointer.class, int.class, float.class,
                    FloatPointer.class, int.class);
            return MethodHandles.publicLookup().findStatic(blas, "cblas_sgemm", type);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
