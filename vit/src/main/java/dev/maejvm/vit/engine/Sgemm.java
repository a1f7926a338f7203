package dev.maejvm.vit.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * float32 matrix products straight through the OpenBLAS that ND4J's CPU backend bundles
 * ({@code cblas_sgemm}, row-major, with leading dimensions), on host memory. ND4J's Mmul op
 * reaches the same gemm but adds 0.1-0.3 ms of op set-up per call, which at the tiny preset's
 * shapes is 14 % of the gemm time (425 -> 367 ms a step, measured in one run); it also ran
 * [1664,192]x[192,128] at 40 GFLOP/s where OpenBLAS itself runs it at 190.
 *
 * <p>OpenBLAS is looked up by reflection, so this module compiles against any ND4J backend;
 * {@link #applies} is false where it is absent, and callers then use ND4J's ops.
 */
public final class Sgemm {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final MethodHandle SGEMM = find();

    private Sgemm() {}

    /** True when OpenBLAS's sgemm is there and every array is float32, c-order, contiguous, on the host. */
    public static boolean applies(INDArray... arrays) {
        return SGEMM != null && FusedKernels.hostFloat(arrays);
    }

    /**
     * c = alpha op(a) op(b) + beta c for matrices: op(a) [m, k], op(b) [k, n], c [m, n], each a
     * c-order 2-D array (possibly a view with an offset).
     */
    public static void matmul(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB,
                              double alpha, double beta) {
        long m = transA ? a.size(1) : a.size(0);
        long k = transA ? a.size(0) : a.size(1);
        long kb = transB ? b.size(1) : b.size(0);
        long n = transB ? b.size(0) : b.size(1);
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || k != kb || c.size(0) != m || c.size(1) != n) {
            throw new IllegalArgumentException("matmul shapes: op(a) " + m + "x" + k + ", op(b) " + kb + "x" + n
                    + ", c " + java.util.Arrays.toString(c.shape()));
        }
        gemm(transA, transB, (int) m, (int) n, (int) k, (float) alpha,
                at(a, 0), (int) a.size(1), at(b, 0), (int) b.size(1), (float) beta, at(c, 0), (int) c.size(1));
    }

    /**
     * A pointer to element {@code index} (counted from the array's first element) of a host
     * array. A view's buffer may already start at the view (its pointer then includes
     * data().offset()), unlike its NIO buffer, hence the difference of the two offsets.
     */
    public static FloatPointer at(INDArray array, long index) {
        FloatPointer p = new FloatPointer(array.data().addressPointer());
        return p.position(array.offset() - array.data().offset() + index);
    }

    /** Row-major {@code c = alpha op(a) op(b) + beta c}, op(a) [m, k], op(b) [k, n], c [m, n]. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            FloatPointer a, int lda, FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable e) {
            throw new IllegalStateException("cblas_sgemm failed", e);
        }
    }

    private static MethodHandle find() {
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
