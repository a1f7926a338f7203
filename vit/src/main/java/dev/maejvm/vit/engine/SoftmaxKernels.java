package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax over rows and its backward, in place, in cache-sized pieces of whole rows. For float32 host arrays (check {@link FusedKernels#applies} first); work is spread over
 * the cores with {@link FusedKernels}' loops.
 */
public final class SoftmaxKernels {
    private SoftmaxKernels() {}

    /** Softmax over the last dimension, in place: a is [..., T] seen as rows of T. */
    public static void softmaxRows(INDArray a) {
        int t = (int) a.size(a.rank() - 1);
        FloatBuffer b = FusedKernels.buf(a);
        int o = FusedKernels.off(a);
        FusedKernels.forRowPieces((int) (a.length() / t), t, (first, rows) -> {
            float[] piece = FusedKernels.pieceArrays(rows * t)[0];
            b.get(o + first * t, piece, 0, rows * t);
            VectorMath.softmaxRows(piece, rows, t);
            b.put(o + first * t, piece, 0, rows * t);
        });
    }

    /** Softmax backward in place: dp = p * (dp - sum_j dp * p), rows of the last dimension. */
    public static void softmaxBackward(INDArray p, INDArray dp) {
        int t = (int) p.size(p.rank() - 1);
        FloatBuffer pb = FusedKernels.buf(p), db = FusedKernels.buf(dp);
        int po = FusedKernels.off(p), dO = FusedKernels.off(dp);
        FusedKernels.forRowPieces((int) (p.length() / t), t, (first, rows) -> {
            float[][] arrays = FusedKernels.pieceArrays(rows * t);
            pb.get(po + first * t, arrays[0], 0, rows * t);
            db.get(dO + first * t, arrays[1], 0, rows * t);
            VectorMath.softmaxBackwardRows(arrays[0], arrays[1], rows, t);
            db.put(dO + first * t, arrays[1], 0, rows * t);
        });
    }
}
