package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-wise operations fused into one pass over memory, in plain Java, for float32 arrays that
 * live in host memory (the CPU backend): ND4J runs them as several ops each, and its column
 * broadcasts and row reductions are slow at the encoder's shapes, so one fused pass costs a
 * fraction of the ops it replaces (timings in docs/PERFORMANCE.md). Rows are split across the
 * cores.
 *
 * <p>{@link #applies} says whether the fast path can take the given arrays; otherwise the
 * layers run their portable ND4J-op path (float64, the gradient checks; other backends). Both
 * paths are compared in the tests.
 */
public final class FusedKernels {
    private static final boolean HOST = "CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName());
    private static final boolean DISABLED = Boolean.getBoolean("mae.portableKernels");
    private static final int MIN_ROWS_PER_TASK = 16;
    private static final int PIECES_PER_THREAD = 4;
    /** Elements per piece of the element-wise kernels: three arrays of it stay in L1/L2. */
    static final int CHUNK = 2048;
    /** Three CHUNK arrays per thread, reused: fresh arrays per piece made a lot of garbage every step. */
    static final ThreadLocal<float[][]> CHUNK_ARRAYS = ThreadLocal.withInitial(() -> new float[3][CHUNK]);

    private FusedKernels() {}

    /**
     * Floats an NIO view of ND4J memory reaches: ND4J's {@code asNioFloat} caps its buffer at
     * 2^31 - 1 bytes, so elements past this index (vit-h14's 656 M-value parameter buffer, very
     * large activations) are not reachable there and take the portable path. The gemms, which
     * take addresses, are not limited by it.
     */
    static final long NIO_REACH = Integer.MAX_VALUE / Float.BYTES;

    /**
     * True when every array is float32, c-order, contiguous, in host memory and within
     * {@link #NIO_REACH} of the start of its buffer.
     */
    public static boolean applies(INDArray... arrays) {
        if (!hostFloat(arrays)) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.offset() + a.length() > NIO_REACH) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when every array is float32, c-order, contiguous and in host memory: what code that
     * reaches the memory by address ({@link Sgemm}, {@link HeadGemm}) needs, at any offset.
     */
    static boolean hostFloat(INDArray... arrays) {
        if (!HOST || DISABLED) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1) {
                return false;
            }
        }
        return true;
    }

    /** The array's memory and its first element's index in it. */
    static FloatBuffer buf(INDArray a) {
        return a.data().asNioFloat();
    }

    static int off(INDArray a) {
        return (int) a.offset();
    }

    /** Rows [0, rows) in ranges of at least MIN_ROWS_PER_TASK rows, spread over the cores ({@link #forRanges}). */
    static void forRows(int rows, RowRange body) {
        forRanges(rows, MIN_ROWS_PER_TASK, body);
    }

    /**
     * Items [0, count) in ranges of at least minPerTask items, spread over the cores
     * ({@link KernelPool}); up to PIECES_PER_THREAD ranges a thread, so that the caller takes a
     * larger share when a helper starts late.
     */
    static void forRanges(int count, int minPerTask, RowRange body) {
        int tasks = Math.max(1, Math.min(KernelPool.threads() * PIECES_PER_THREAD, count / minPerTask));
        if (tasks == 1) {
            body.run(0, count);
            return;
        }
        KernelPool.run(tasks, t -> body.run((int) ((long) count * t / tasks), (int) ((long) count * (t + 1) / tasks)));
    }

    /** Partial sums for the row reductions: one per thread (each task adds up a range of rows). */
    static int reductionTasks(int rows) {
        return Math.max(1, Math.min(KernelPool.threads(), rows / MIN_ROWS_PER_TASK));
    }

    @FunctionalInterface
    interface RowRange {
        void run(int from, int to);
    }

    static void addSums(float[][] parts, INDArray into) {
        FloatBuffer b = buf(into);
        int o = off(into);
        for (int j = 0; j < parts[0].length; j++) {
            float s = b.get(o + j);
            for (float[] p : parts) {
                s += p[j];
            }
            b.put(o + j, s);
        }
    }

    /**
     * Rows of length t in pieces of whole rows of at most CHUNK floats (one row where a row is
     * longer), spread over the cores; body gets (first row, number of rows).
     */
    static void forRowPieces(int rows, int t, RowRange body) {
        int perPiece = Math.max(1, CHUNK / t);
        int pieces = (rows + perPiece - 1) / perPiece;
        forRows(pieces, (from, to) -> {
            for (int c = from; c < to; c++) {
                int first = c * perPiece;
                body.run(first, Math.min(perPiece, rows - first));
            }
        });
    }

    /** The thread's reusable piece arrays, or new ones for a piece longer than CHUNK. */
    static float[][] pieceArrays(int floats) {
        return floats <= CHUNK ? CHUNK_ARRAYS.get() : new float[3][floats];
    }

    /** Splits n elements into CHUNK-sized pieces, spread over the cores; body gets (start, length). */
    static void forChunks(int n, RowRange body) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        forRows(chunks, (from, to) -> {
            for (int c = from; c < to; c++) {
                int start = c * CHUNK;
                body.run(start, Math.min(CHUNK, n - start));
            }
        });
    }

}
