package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row and column kernels: column sums (bias gradients), per-row scaling and shifting, row
 * scatters and gathers (with a sum), a row repeated over a sample's rows, bias fill. For float32 host arrays (check {@link FusedKernels#applies} first); work is spread over
 * the cores with {@link FusedKernels}' loops.
 */
public final class RowKernels {
    private RowKernels() {}

    /** into[j] += sum_i x[i, j] (x: [M, K], into: [K]); each core sums a range of rows. */
    public static void addColumnSums(INDArray x, INDArray into) {
        int m = (int) x.size(0);
        int k = (int) x.size(1);
        FloatBuffer xb = FusedKernels.buf(x);
        int xo = FusedKernels.off(x);
        int tasks = FusedKernels.reductionTasks(m);
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
        FusedKernels.addSums(parts, into);
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
        FloatBuffer xb = FusedKernels.buf(x), cb = FusedKernels.buf(col), zb = FusedKernels.buf(z);
        int xo = FusedKernels.off(x), co = FusedKernels.off(col), zo = FusedKernels.off(z);
        FusedKernels.forRows(m, (from, to) -> {
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

    /** dst[rows[i]] = src[i] and every other row of dst 0 (src: [rows, K], dst: [M, K]). */
    public static void scatterRows(INDArray src, int[] rows, INDArray dst) {
        int k = (int) dst.size(1);
        int m = (int) dst.size(0);
        int[] from = new int[m];                               // source row of each destination row, -1: none
        java.util.Arrays.fill(from, -1);
        for (int i = 0; i < rows.length; i++) {
            from[rows[i]] = i;
        }
        FloatBuffer sb = FusedKernels.buf(src), db = FusedKernels.buf(dst);
        int so = FusedKernels.off(src), dO = FusedKernels.off(dst);
        FusedKernels.forRows(m, (first, end) -> {
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
        FloatBuffer yb = FusedKernels.buf(y);
        int yo = FusedKernels.off(y);
        float[] r = new float[k];
        FusedKernels.buf(row).get(FusedKernels.off(row), r);
        FusedKernels.forRows(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                yb.put(yo + i * k, r);
            }
        });
    }

    /** dst[i] = src[from[i]], or 0 where from[i] is -1 (src: [M, K], dst: [from.length, K]). */
    public static void gatherRows(INDArray src, int[] from, INDArray dst) {
        int k = (int) src.size(1);
        FloatBuffer sb = FusedKernels.buf(src), db = FusedKernels.buf(dst);
        int so = FusedKernels.off(src), dO = FusedKernels.off(dst);
        FusedKernels.forRows(from.length, (first, end) -> {
            float[] line = new float[k];
            float[] zeros = new float[k];
            for (int i = first; i < end; i++) {
                if (from[i] < 0) {
                    db.put(dO + i * k, zeros);
                } else {
                    sb.get(so + from[i] * k, line);
                    db.put(dO + i * k, line);
                }
            }
        });
    }

    /** y[rows[i]] = row for every i; the other rows of y are left as they are (y: [M, K], row: [K]). */
    public static void putRowAt(INDArray y, int[] rows, INDArray row) {
        int k = (int) y.size(1);
        FloatBuffer yb = FusedKernels.buf(y);
        int yo = FusedKernels.off(y);
        float[] r = new float[k];
        FusedKernels.buf(row).get(FusedKernels.off(row), r);
        for (int i : rows) {
            yb.put(yo + i * k, r);
        }
    }

    /**
     * into[j] += sum_i x[rows[i], j] (in float64), then those rows of x are set to 0 (x: [M, K],
     * into: [K]): the gradient of rows that all held one vector, taken out of x.
     */
    public static void takeRows(INDArray x, int[] rows, INDArray into) {
        int k = (int) x.size(1);
        FloatBuffer xb = FusedKernels.buf(x);
        int xo = FusedKernels.off(x);
        double[] sum = new double[k];
        float[] line = new float[k];
        float[] zeros = new float[k];
        for (int i : rows) {
            xb.get(xo + i * k, line);
            for (int j = 0; j < k; j++) {
                sum[j] += line[j];
            }
            xb.put(xo + i * k, zeros);
        }
        FloatBuffer ib = FusedKernels.buf(into);
        int io = FusedKernels.off(into);
        for (int j = 0; j < k; j++) {
            ib.put(io + j, (float) (ib.get(io + j) + sum[j]));
        }
    }

    /**
     * out[outRow[r]] = a[r] + table[tableRow[r]] for every row r of a (a: [R, K], table: [P, K],
     * out: [M, K]; rows of out not named are left as they are): tokens plus their positions,
     * written into the rows they take in the sequence.
     */
    public static void addGatheredRows(INDArray a, INDArray table, int[] tableRow, INDArray out, int[] outRow) {
        int k = (int) a.size(1);
        FloatBuffer ab = FusedKernels.buf(a), tb = FusedKernels.buf(table), ob = FusedKernels.buf(out);
        int ao = FusedKernels.off(a), to = FusedKernels.off(table), oo = FusedKernels.off(out);
        FusedKernels.forRows((int) a.size(0), (from, end) -> {
            float[] line = new float[k];
            float[] pos = new float[k];
            for (int r = from; r < end; r++) {
                ab.get(ao + r * k, line);
                tb.get(to + tableRow[r] * k, pos);
                for (int j = 0; j < k; j++) {
                    line[j] += pos[j];
                }
                ob.put(oo + outRow[r] * k, line);
            }
        });
    }

    /**
     * dst[at[r]] += src[r] for every row r of src (src: [R, K], dst: [P, K]): the gradient of a
     * row gather, e.g. of the position table. One thread: the rows of dst are few and shared.
     */
    public static void addScatteredRows(INDArray src, int[] at, INDArray dst) {
        int k = (int) src.size(1);
        int p = (int) dst.size(0);
        FloatBuffer sb = FusedKernels.buf(src), db = FusedKernels.buf(dst);
        int so = FusedKernels.off(src), dO = FusedKernels.off(dst);
        float[] sums = new float[p * k];
        db.get(dO, sums, 0, p * k);
        float[] line = new float[k];
        for (int r = 0; r < at.length; r++) {
            sb.get(so + r * k, line);
            int o = at[r] * k;
            for (int j = 0; j < k; j++) {
                sums[o + j] += line[j];
            }
        }
        db.put(dO, sums, 0, p * k);
    }

    /**
     * dst[s * per + i] = scale * src[s] for i >= skip, 0 for i < skip (src: [N, K], dst:
     * [N * per, K]): a per-sample gradient spread over the sample's rows, e.g. average pooling's
     * over the patch tokens (skip 1: not the cls token).
     */
    public static void spreadRows(INDArray src, int per, int skip, double scale, INDArray dst) {
        int k = (int) src.size(1);
        FloatBuffer sb = FusedKernels.buf(src), db = FusedKernels.buf(dst);
        int so = FusedKernels.off(src), dO = FusedKernels.off(dst);
        float f = (float) scale;
        FusedKernels.forRows((int) src.size(0), (from, end) -> {
            float[] line = new float[k];
            float[] zeros = new float[k];
            for (int s = from; s < end; s++) {
                sb.get(so + s * k, line);
                for (int j = 0; j < k; j++) {
                    line[j] *= f;
                }
                for (int i = 0; i < per; i++) {
                    db.put(dO + (s * per + i) * k, i < skip ? zeros : line);
                }
            }
        });
    }

    /** z[i, j] = x[i, j] + col[i] * y[i, j] (x, y, z: [M, K], z may be x; col: [M]). */
    public static void addScaledRows(INDArray x, INDArray y, INDArray col, INDArray z) {
        int m = (int) col.length();
        int k = (int) (x.length() / m);
        FloatBuffer xb = FusedKernels.buf(x), yb = FusedKernels.buf(y), cb = FusedKernels.buf(col), zb = FusedKernels.buf(z);
        int xo = FusedKernels.off(x), yo = FusedKernels.off(y), co = FusedKernels.off(col), zo = FusedKernels.off(z);
        FusedKernels.forRows(m, (from, to) -> {
            float[] a = new float[k];
            float[] b = new float[k];
            for (int i = from; i < to; i++) {
                xb.get(xo + i * k, a);
                yb.get(yo + i * k, b);
                float c = cb.get(co + i);
                for (int j = 0; j < k; j++) {
                    a[j] += c * b[j];
                }
                zb.put(zo + i * k, a);
            }
        });
    }
}
