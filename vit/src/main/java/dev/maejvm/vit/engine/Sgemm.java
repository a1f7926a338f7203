package dev.maejvm.vit.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * float32 matrix products straight through the OpenBLAS that ND4J's CPU backend bundles
 * ({@code cblas_sgemm}, row-major, with leading dimensions), on host memory. ND4J's Mmul op
 * reaches the same gemm but adds an op set-up to every call, a sizeable share of the gemm time
 * at the tiny preset's small shapes, and it ran some of those shapes at a fraction of the speed
 * OpenBLAS itself reaches (timings in docs/PERFORMANCE.md).
 *
 * <p>A product of at least {@link #MIN_SPLIT_MACS} multiply-adds is split over the cores by
 * {@link KernelPool}: c's rows (or its columns, where it has more) in one piece per thread, each
 * a single-threaded OpenBLAS call; OpenBLAS's own threads are switched off for the process at
 * the first such product (ND4J's own products, float64 ones included, then run on one core). Its
 * threads sleep after each product (they must: they would hold the core the Java kernels between
 * products need) and took long to wake, while the pool's helper is usually still spinning from
 * the kernel before; its own split also ran the weight gradients' shapes (dW = dy^T x over
 * thousands of rows) slower than two single-threaded halves do. The tiny preset's step is
 * faster this way at both mask ratios (timings in docs/PERFORMANCE.md).
 * {@code -Dmae.openblasThreads=true} keeps OpenBLAS's threading instead.
 *
 * <p>OpenBLAS is looked up by reflection, so this module compiles against any ND4J backend;
 * {@link #applies} is false where it is absent, and callers then use ND4J's ops.
 */
public final class Sgemm {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final MethodHandle SGEMM = find();
    /** Products smaller than this (in multiply-adds) run in the caller: a hand-off would cost more. */
    static final long MIN_SPLIT_MACS = 1L << 18;
    /**
     * Whether products are split over the cores here; decided at the first product big enough,
     * when ND4J has started (its start-up sets OpenBLAS's thread count) and OpenBLAS has been set
     * to one thread. Null until then.
     */
    private static volatile Boolean split;

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
        int lda = (int) a.size(1);
        int ldb = (int) b.size(1);
        int ldc = (int) c.size(1);
        if (!splits(m, n, k)) {
            gemm(transA, transB, (int) m, (int) n, (int) k, (float) alpha, at(a, 0), lda, at(b, 0), ldb, (float) beta,
                    at(c, 0), ldc);
            return;
        }
        int parts = KernelPool.threads();
        if (m >= n) {                                   // rows of c: rows of op(a)
            KernelPool.run(parts, t -> {
                long r0 = m * t / parts;
                long r1 = m * (t + 1) / parts;
                gemm(transA, transB, (int) (r1 - r0), (int) n, (int) k, (float) alpha,
                        at(a, transA ? r0 : r0 * lda), lda, at(b, 0), ldb, (float) beta, at(c, r0 * ldc), ldc);
            });
        } else {                                        // columns of c: columns of op(b)
            KernelPool.run(parts, t -> {
                long c0 = n * t / parts;
                long c1 = n * (t + 1) / parts;
                gemm(transA, transB, (int) m, (int) (c1 - c0), (int) k, (float) alpha,
                        at(a, 0), lda, at(b, transB ? c0 * ldb : c0), ldb, (float) beta, at(c, c0), ldc);
            });
        }
    }

    /** Whether {@link #matmul} splits a product of these dimensions over the cores. */
    static boolean splits(long m, long n, long k) {
        return m * n * k >= MIN_SPLIT_MACS && splitting();
    }

    private static boolean splitting() {
        Boolean s = split;
        if (s == null) {
            synchronized (Sgemm.class) {
                if (split == null) {
                    split = SGEMM != null && KernelPool.threads() > 1 && !Boolean.getBoolean("mae.openblasThreads")
                            && singleThreadedOpenBlas();
                }
                s = split;
            }
        }
        return s;
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

    /**
     * Sets OpenBLAS to one thread for the process (JavaCPP's presets, by reflection) once ND4J
     * has started, and checks that it took; false where it did not.
     */
    private static boolean singleThreadedOpenBlas() {
        try {
            Nd4j.getExecutioner();                       // ND4J's start-up sets OpenBLAS's threads itself
            Class<?> presets = Class.forName("org.bytedeco.openblas.presets.openblas_nolapack");
            presets.getMethod("blas_set_num_threads", int.class).invoke(null, 1);
            return ((Integer) presets.getMethod("blas_get_num_threads").invoke(null)) == 1;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return false;
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
