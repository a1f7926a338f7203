package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-wise operations fused into one pass over memory, in plain Java, for float32 arrays that
 * live in host memory (the CPU backend): ND4J runs them as several ops each, and its column
 * broadcasts and row reductions cost 0.3-0.8 ms per op at the encoder's shapes (a layer norm
 * took 3.9 ms; fused it takes ~0.4). Rows are split across the cores.
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
    private static final int CHUNK = 2048;
    /** Three CHUNK arrays per thread, reused (per-piece arrays made ~0.3 GB of garbage per step). */
    private static final ThreadLocal<float[][]> CHUNK_ARRAYS = ThreadLocal.withInitial(() -> new float[3][CHUNK]);

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
    private static FloatBuffer buf(INDArray a) {
        return a.data().asNioFloat();
    }

    private static int off(INDArray a) {
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
    private static int reductionTasks(int rows) {
        return Math.max(1, Math.min(KernelPool.threads(), rows / MIN_ROWS_PER_TASK));
    }

    @FunctionalInterface
    interface RowRange {
        void run(int from, int to);
    }

    /**
     * y = (x - mean) * rstd * weight + bias per row; keeps xhat and rstd for the backward.
     * x, xhat, y: [M, D]; rstd: [M]; weight, bias: [D].
     */
    public static void layerNormForward(INDArray x, INDArray weight, INDArray bias, double eps,
                                        INDArray xhat, INDArray rstd, INDArray y) {
        int m = (int) x.size(0);
        int d = (int) x.size(1);
        FloatBuffer xb = buf(x), hb = buf(xhat), rb = buf(rstd), yb = buf(y), wb = buf(weight), bb = buf(bias);
        int xo = off(x), ho = off(xhat), ro = off(rstd), yo = off(y), wo = off(weight), bo = off(bias);
        float[] w = new float[d];
        float[] b = new float[d];
        wb.get(wo, w);
        bb.get(bo, b);
        forRows(m, (from, to) -> {
            float[] row = new float[d];
            for (int i = from; i < to; i++) {
                xb.get(xo + i * d, row);
                float mean = VectorMath.sum(row, 0, d) / d;
                for (int j = 0; j < d; j++) {
                    row[j] -= mean;
                }
                float r = (float) (1 / Math.sqrt(VectorMath.dot(row, row, d) / d + eps));
                rb.put(ro + i, r);
                for (int j = 0; j < d; j++) {
                    row[j] *= r;
                }
                hb.put(ho + i * d, row);
                for (int j = 0; j < d; j++) {
                    row[j] = row[j] * w[j] + b[j];
                }
                yb.put(yo + i * d, row);
            }
        });
    }

    /**
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * weight; adds
     * sum_rows(dy * xhat) to dWeight and sum_rows(dy) to dBias.
     */
    public static void layerNormBackward(INDArray dy, INDArray xhat, INDArray rstd, INDArray weight,
                                         INDArray dx, INDArray dWeight, INDArray dBias) {
        int m = (int) dy.size(0);
        int d = (int) dy.size(1);
        FloatBuffer gb = buf(dy), hb = buf(xhat), rb = buf(rstd), xb = buf(dx), wb = buf(weight);
        int go = off(dy), ho = off(xhat), ro = off(rstd), xo = off(dx), wo = off(weight);
        float[] w = new float[d];
        wb.get(wo, w);
        int tasks = reductionTasks(m);
        float[][] dwPart = new float[tasks][d];
        float[][] dbPart = new float[tasks][d];
        KernelPool.run(tasks, t -> {
            float[] dyr = new float[d];
            float[] hr = new float[d];
            float[] g = new float[d];
            float[] dw = dwPart[t];
            float[] db = dbPart[t];
            for (int i = m * t / tasks; i < m * (t + 1) / tasks; i++) {
                gb.get(go + i * d, dyr);
                hb.get(ho + i * d, hr);
                for (int j = 0; j < d; j++) {
                    dw[j] += dyr[j] * hr[j];
                    db[j] += dyr[j];
                    g[j] = dyr[j] * w[j];
                }
                float mg = VectorMath.sum(g, 0, d) / d;
                float mgh = VectorMath.dot(g, hr, d) / d;
                float r = rb.get(ro + i);
                for (int j = 0; j < d; j++) {
                    dyr[j] = r * (dyr[j] * w[j] - mg - hr[j] * mgh);
                }
                xb.put(xo + i * d, dyr);
            }
        });
        addSums(dwPart, dWeight);
        addSums(dbPart, dBias);
    }

    private static void addSums(float[][] parts, INDArray into) {
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

    /** Softmax over the last dimension, in place: a is [..., T] seen as rows of T. */
    public static void softmaxRows(INDArray a) {
        int t = (int) a.size(a.rank() - 1);
        FloatBuffer b = buf(a);
        int o = off(a);
        forRowPieces((int) (a.length() / t), t, (first, rows) -> {
            float[] piece = pieceArrays(rows * t)[0];
            b.get(o + first * t, piece, 0, rows * t);
            VectorMath.softmaxRows(piece, rows, t);
            b.put(o + first * t, piece, 0, rows * t);
        });
    }

    /** Softmax backward in place: dp = p * (dp - sum_j dp * p), rows of the last dimension. */
    public static void softmaxBackward(INDArray p, INDArray dp) {
        int t = (int) p.size(p.rank() - 1);
        FloatBuffer pb = buf(p), db = buf(dp);
        int po = off(p), dO = off(dp);
        forRowPieces((int) (p.length() / t), t, (first, rows) -> {
            float[][] arrays = pieceArrays(rows * t);
            pb.get(po + first * t, arrays[0], 0, rows * t);
            db.get(dO + first * t, arrays[1], 0, rows * t);
            VectorMath.softmaxBackwardRows(arrays[0], arrays[1], rows, t);
            db.put(dO + first * t, arrays[1], 0, rows * t);
        });
    }

    /**
     * Rows of length t in pieces of whole rows of at most CHUNK floats (one row where a row is
     * longer), spread over the cores; body gets (first row, number of rows).
     */
    private static void forRowPieces(int rows, int t, RowRange body) {
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
    private static float[][] pieceArrays(int floats) {
        return floats <= CHUNK ? CHUNK_ARRAYS.get() : new float[3][floats];
    }

    /** Splits n elements into CHUNK-sized pieces, spread over the cores; body gets (start, length). */
    private static void forChunks(int n, RowRange body) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        forRows(chunks, (from, to) -> {
            for (int c = from; c < to; c++) {
                int start = c * CHUNK;
                body.run(start, Math.min(CHUNK, n - start));
            }
        });
    }

    /**
     * Exact GELU, y = x Phi(x), and its derivative dydx = Phi(x) + x phi(x), kept for the
     * backward (see {@link VectorMath#gelu}). x, y, dydx: the same shape.
     */
    public static void gelu(INDArray x, INDArray y, INDArray dydx) {
        FloatBuffer xb = buf(x), yb = buf(y), db = buf(dydx);
        int xo = off(x), yo = off(y), dO = off(dydx);
        forChunks((int) x.length(), (start, len) -> {
            float[][] t = CHUNK_ARRAYS.get();
            xb.get(xo + start, t[0], 0, len);
            VectorMath.gelu(t[0], t[1], t[2], len);
            yb.put(yo + start, t[1], 0, len);
            db.put(dO + start, t[2], 0, len);
        });
    }

    /** z = a * b element-wise (a, b, z: the same shape). */
    public static void mul(INDArray a, INDArray b, INDArray z) {
        elementwise(a, b, z, true);
    }

    /** z = a + b element-wise (a, b, z: the same shape; z may be a or b). */
    public static void add(INDArray a, INDArray b, INDArray z) {
        elementwise(a, b, z, false);
    }

    private static void elementwise(INDArray a, INDArray b, INDArray z, boolean multiply) {
        FloatBuffer ab = buf(a), bb = buf(b), zb = buf(z);
        int ao = off(a), bo = off(b), zo = off(z);
        forChunks((int) a.length(), (start, len) -> {
            float[][] t = CHUNK_ARRAYS.get();
            ab.get(ao + start, t[0], 0, len);
            bb.get(bo + start, t[1], 0, len);
            if (multiply) {
                VectorMath.mul(t[0], t[1], t[0], len);
            } else {
                VectorMath.add(t[0], t[1], t[0], len);
            }
            zb.put(zo + start, t[0], 0, len);
        });
    }

    /** into[j] += sum_i x[i, j] (x: [M, K], into: [K]); each core sums a range of rows. */
    public static void addColumnSums(INDArray x, INDArray into) {
        int m = (int) x.size(0);
        int k = (int) x.size(1);
        FloatBuffer xb = buf(x);
        int xo = off(x);
        int tasks = reductionTasks(m);
        float[][] parts = new float[tasks][k];
        KernelPool.run(tasks, t -> {
            float[] row = new float[k];
            float[] sum = parts[t];
            for (int i = m * t / tasks; i < m * (t + 1) / tasks; i++) {
                xb.get(xo + i * k, row);
                for (int j = 0; j < k; j++) {
                    sum[j] += row[j];
                }
            }
        });
        addSums(parts, into);
    }

    /** z[i, j] = x[i, j] * col[i] (x, z: [M, K], z may be x; col: [M]). */
    public static void mulColumn(INDArray x, INDArray col, INDArray z) {
        columnOp(x, col, z, true);
    }

    /** z[i, j] = x[i, j] - col[i] (x, z: [M, K], z may be x; col: [M]). */
    public static void subColumn(INDArray x, INDArray col, INDArray z) {
        columnOp(x, col, z, false);
    }

    private static void columnOp(INDArray x, INDArray col, INDArray z, boolean multiply) {
        int m = (int) col.length();
        int k = (int) (x.length() / m);
        if (x.length() != (long) m * k || z.length() != x.length()) {
            throw new IllegalArgumentException("column op: x " + java.util.Arrays.toString(x.shape()) + ", column "
                    + m + ", z " + java.util.Arrays.toString(z.shape()));
        }
        FloatBuffer xb = buf(x), cb = buf(col), zb = buf(z);
        int xo = off(x), co = off(col), zo = off(z);
        forRows(m, (from, to) -> {
            float[] line = new float[k];
            for (int i = from; i < to; i++) {
                xb.get(xo + i * k, line);
                float c = cb.get(co + i);
                if (multiply) {
                    for (int j = 0; j < k; j++) {
                        line[j] *= c;
                    }
                } else {
                    for (int j = 0; j < k; j++) {
                        line[j] -= c;
                    }
                }
                zb.put(zo + i * k, line);
            }
        });
    }

    /**
     * Gathers image patches into rows: row i of out is patch rows[i] of the [N*L] patch list
     * (n * L + patch, patches in row-major grid order), its C*p*p values in (c, p, q) order for
     * the patch embedding or (p, q, c) order for MAE's patchify. One pass over the images instead
     * of ND4J's six-axis permute (~1 ms at [128, 1, 28, 28]) and a row gather.
     *
     * @param imgs [N, C, H, W]
     * @param rows the patches to take, or null for all of them in order
     * @param out [rows, C*p*p]
     */
    public static void gatherPatches(INDArray imgs, int p, boolean channelsLast, int[] rows, INDArray out) {
        int c = (int) imgs.size(1);
        int h = (int) imgs.size(2);
        int w = (int) imgs.size(3);
        int gw = w / p;
        int l = (h / p) * gw;
        int count = rows == null ? (int) (imgs.size(0) * l) : rows.length;
        int width = c * p * p;
        if (out.size(0) != count || out.size(1) != width) {
            throw new IllegalArgumentException("patches: out " + java.util.Arrays.toString(out.shape()) + ", expected ["
                    + count + ", " + width + "]");
        }
        long all = imgs.size(0) * l;
        if (rows != null) {
            for (int r : rows) {
                if (r < 0 || r >= all) {
                    throw new IllegalArgumentException("patch row " + r + " is outside the " + all + " patches");
                }
            }
        }
        FloatBuffer ib = buf(imgs), ob = buf(out);
        int io = off(imgs), oo = off(out);
        forRows(count, (from, to) -> {
            float[] patch = new float[width];
            for (int i = from; i < to; i++) {
                int row = rows == null ? i : rows[i];
                int sample = row / l;
                int y0 = (row % l) / gw * p;
                int x0 = (row % l) % gw * p;
                for (int ch = 0; ch < c; ch++) {
                    for (int py = 0; py < p; py++) {
                        int src = io + ((sample * c + ch) * h + y0 + py) * w + x0;
                        for (int px = 0; px < p; px++) {
                            patch[channelsLast ? (py * p + px) * c + ch : (ch * p + py) * p + px] = ib.get(src + px);
                        }
                    }
                }
                ob.put(oo + i * width, patch);
            }
        });
    }

    /** dst[rows[i]] = src[i] and every other row of dst 0 (src: [rows, K], dst: [M, K]). */
    public static void scatterRows(INDArray src, int[] rows, INDArray dst) {
        int k = (int) dst.size(1);
        int m = (int) dst.size(0);
        int[] from = new int[m];                               // source row of each destination row, -1: none
        java.util.Arrays.fill(from, -1);
        for (int i = 0; i < rows.length; i++) {
            from[rows[i]] = i;
        }
        FloatBuffer sb = buf(src), db = buf(dst);
        int so = off(src), dO = off(dst);
        forRows(m, (first, end) -> {
            float[] line = new float[k];
            float[] zeros = new float[k];
            for (int r = first; r < end; r++) {
                if (from[r] < 0) {
                    db.put(dO + r * k, zeros);
                } else {
                    sb.get(so + from[r] * k, line);
                    db.put(dO + r * k, line);
                }
            }
        });
    }

    /**
     * y[i, j] = row[j] (y: [M, K], row: [K]): a bias laid down before a gemm that adds to it
     * (OpenBLAS zeroes the output in a pass of its own when told to overwrite it).
     */
    public static void fillRows(INDArray y, INDArray row) {
        int k = (int) y.size(1);
        int m = (int) y.size(0);
        FloatBuffer yb = buf(y);
        int yo = off(y);
        float[] r = new float[k];
        buf(row).get(off(row), r);
        forRows(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                yb.put(yo + i * k, r);
            }
        });
    }
}
