package dev.maejvm.finetune.det.fcos;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reading the head's [R, C] outputs into double[] and writing [R, C] gradients back, in the outputs' own data type. */
final class HeadOutputs {
    private HeadOutputs() {}

    /** The [rows, cols] array {@code a} as row-major doubles; throws naming {@code what} on any other shape. */
    static double[] read(String what, INDArray a, long rows, long cols) {
        check(what, a, rows, cols);
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    static void check(String what, INDArray a, long rows, long cols) {
        if (a == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (a.rank() != 2 || a.size(0) != rows || a.size(1) != cols) {
            throw new IllegalArgumentException(what + " must be [" + rows + ", " + cols + "], got " + Arrays.toString(a.shape()));
        }
    }

    /** Assigns {@code g} (row-major [rows, cols]) to {@code grad}, cast to its type. */
    static void write(INDArray grad, double[] g, long rows, long cols) {
        if (grad.dataType() == DataType.FLOAT) {
            float[] f = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                f[i] = (float) g[i];
            }
            grad.assign(Nd4j.create(f, new long[] {rows, cols}, 'c'));
        } else {
            grad.assign(Nd4j.createFromArray(g).reshape(rows, cols).castTo(grad.dataType()));
        }
    }

    static double checkNormalizer(double normalizer) {
        if (!(normalizer > 0) || Double.isInfinite(normalizer)) {
            throw new IllegalArgumentException("normalizer must be finite and > 0, got " + normalizer);
        }
        return normalizer;
    }

    /** log(1 + exp(x)) without overflow. */
    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
