package dev.maejvm.vit.engine;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The few ND4J calls the layers are written in, each writing into an array that already exists
 * (no allocation in the steady state). Nothing here needs the CPU backend.
 */
public final class Kernels {
    private Kernels() {}

    /** Returns {@code buf} if it has this shape and type, else a new zeroed array. */
    public static INDArray ensure(INDArray buf, DataType dataType, long... shape) {
        if (buf != null && buf.dataType() == dataType && Arrays.equals(buf.shape(), shape)) {
            return buf;
        }
        return Nd4j.create(dataType, shape);
    }

    /**
     * c = alpha * op(a) op(b) + beta * c, for matrices [.., ..] or batches of them [B, .., ..]
     * (the product is taken over the last two dimensions). float32 matrices on the host go
     * straight to OpenBLAS ({@link Sgemm}), the rest through ND4J's Mmul op.
     */
    public static void matmul(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB,
                              double alpha, double beta) {
        if (a.rank() == 2 && Sgemm.applies(a, b, c)) {
            Sgemm.matmul(a, b, c, transposeA, transposeB, alpha, beta);
            return;
        }
        Nd4j.exec(new Mmul(a, b, c, alpha, beta, MMulTranspose.builder()
                .transposeA(transposeA).transposeB(transposeB).build()));
    }

    /**
     * z[i, j] = x[i, j] * col[i]  (x, z: [M, K]; col: [M]). ND4J's column broadcast is slow at
     * these shapes; float32 host arrays take {@link FusedKernels}' row loop instead.
     */
    public static void mulColumn(INDArray x, INDArray col, INDArray z) {
        if (FusedKernels.applies(x, col, z)) {
            RowKernels.mulColumn(x, col, z);
        } else {
            Nd4j.exec(new BroadcastMulOp(x, col, z, 0));
        }
    }

    /** z = x + y element-wise (the same shapes; z may be x or y). */
    public static void add(INDArray x, INDArray y, INDArray z) {
        if (FusedKernels.applies(x, y, z)) {
            ElementwiseKernels.add(x, y, z);
        } else {
            x.add(y, z);
        }
    }

    /** z[i, j] = x[i, j] + col[i] * y[i, j]  (x, y, z: [M, K]; col: [M]): a residual add of a branch scaled per row. */
    public static void addScaledRows(INDArray x, INDArray y, INDArray col, INDArray z) {
        if (FusedKernels.applies(x, y, col, z)) {
            RowKernels.addScaledRows(x, y, col, z);
        } else {
            x.add(y.mulColumnVector(col.reshape(col.length(), 1)), z);
        }
    }

    /** z[i, j] = x[i, j] - col[i]. */
    public static void subColumn(INDArray x, INDArray col, INDArray z) {
        if (FusedKernels.applies(x, col, z)) {
            RowKernels.subColumn(x, col, z);
        } else {
            Nd4j.exec(new BroadcastSubOp(x, col, z, 0));
        }
    }

    /** z[i, j] = x[i, j] * row[j]  (x, z: [M, K]; row: [K]). */
    public static void mulRow(INDArray x, INDArray row, INDArray z) {
        Nd4j.exec(new BroadcastMulOp(x, row, z, 1));
    }

    /** z[i, j] = x[i, j] + row[j]. */
    public static void addRow(INDArray x, INDArray row, INDArray z) {
        Nd4j.exec(new BroadcastAddOp(x, row, z, 1));
    }

    /** sumInto[j] += sum_i x[i, j], as a product with a ones row: ones [1, M], x [M, K], sumInto [1, K]. */
    public static void addColumnSums(INDArray ones, INDArray x, INDArray sumInto) {
        matmul(ones, x, sumInto, false, false, 1.0, 1.0);
    }

    /** dst[rows[i]] = src[i] and every other row of dst 0 (src: [rows, K], dst: [M, K]). */
    public static void scatterRows(INDArray src, int[] rows, INDArray dst) {
        if (FusedKernels.applies(src, dst)) {
            RowKernels.scatterRows(src, rows, dst);
            return;
        }
        dst.assign(0);
        for (int i = 0; i < rows.length; i++) {
            dst.putRow(rows[i], src.getRow(i));
        }
    }

    /** y[rows[i]] = row for every i, other rows untouched (y: [M, K], row: [K]). */
    public static void putRowAt(INDArray y, int[] rows, INDArray row) {
        if (FusedKernels.applies(y, row)) {
            RowKernels.putRowAt(y, rows, row);
            return;
        }
        for (int r : rows) {
            y.putRow(r, row);
        }
    }

    /** into += the sum of x's rows at rows, then those rows of x = 0 (x: [M, K], into: [K]). */
    public static void takeRows(INDArray x, int[] rows, INDArray into) {
        if (FusedKernels.applies(x, into)) {
            RowKernels.takeRows(x, rows, into);
            return;
        }
        INDArray zero = Nd4j.zeros(x.dataType(), x.size(1));
        for (int r : rows) {
            into.addi(x.getRow(r).reshape(into.shape()));
            x.putRow(r, zero);
        }
    }

    /** dst[i] = src[from[i]], or 0 where from[i] is -1 (src: [M, K], dst: [from.length, K]). */
    public static void gatherRows(INDArray src, int[] from, INDArray dst) {
        if (FusedKernels.applies(src, dst)) {
            RowKernels.gatherRows(src, from, dst);
            return;
        }
        for (int i = 0; i < from.length; i++) {
            if (from[i] < 0) {
                dst.getRow(i).assign(0);
            } else {
                dst.getRow(i).assign(src.getRow(from[i]));
            }
        }
    }
}
