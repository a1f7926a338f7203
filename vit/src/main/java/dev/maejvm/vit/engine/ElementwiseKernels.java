package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element-wise kernels: exact GELU with its derivative, products and sums of arrays of one shape. For float32 host arrays (check {@link FusedKernels#applies} first); work is spread over
 * the cores with {@link FusedKernels}' loops.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

    /**
     * Exact GELU, y = x Phi(x), and its derivative dydx = Phi(x) + x phi(x), kept for the
     * backward (see {@link VectorMath#gelu}). x, y, dydx: the same shape.
     */
    public static void gelu(INDArray x, INDArray y, INDArray dydx) {
        FloatBuffer xb = FusedKernels.buf(x), yb = FusedKernels.buf(y), db = FusedKernels.buf(dydx);
        int xo = FusedKernels.off(x), yo = FusedKernels.off(y), dO = FusedKernels.off(dydx);
        FusedKernels.forChunks((int) x.length(), (start, len) -> {
            float[][] t = FusedKernels.CHUNK_ARRAYS.get();
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
        FloatBuffer ab = FusedKernels.buf(a), bb = FusedKernels.buf(b), zb = FusedKernels.buf(z);
        int ao = FusedKernels.off(a), bo = FusedKernels.off(b), zo = FusedKernels.off(z);
        FusedKernels.forChunks((int) a.length(), (start, len) -> {
            float[][] t = FusedKernels.CHUNK_ARRAYS.get();
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

    /** y = max(x, 0) element-wise (x, y: the same shape; y may be x). */
    public static void relu(INDArray x, INDArray y) {
        FloatBuffer xb = FusedKernels.buf(x), yb = FusedKernels.buf(y);
        int xo = FusedKernels.off(x), yo = FusedKernels.off(y);
        FusedKernels.forChunks((int) x.length(), (start, len) -> {
            float[][] t = FusedKernels.CHUNK_ARRAYS.get();
            xb.get(xo + start, t[0], 0, len);
            for (int i = 0; i < len; i++) {
                t[0][i] = t[0][i] > 0 ? t[0][i] : 0;
            }
            yb.put(yo + start, t[0], 0, len);
        });
    }

    /** dx = dy where y > 0, else 0 (torch's threshold_backward at 0; y the ReLU's output). */
    public static void reluBackward(INDArray dy, INDArray y, INDArray dx) {
        FloatBuffer gb = FusedKernels.buf(dy), yb = FusedKernels.buf(y), xb = FusedKernels.buf(dx);
        int go = FusedKernels.off(dy), yo = FusedKernels.off(y), xo = FusedKernels.off(dx);
        FusedKernels.forChunks((int) dy.length(), (start, len) -> {
            float[][] t = FusedKernels.CHUNK_ARRAYS.get();
            gb.get(go + start, t[0], 0, len);
            yb.get(yo + start, t[1], 0, len);
            for (int i = 0; i < len; i++) {
                t[0][i] = t[1][i] > 0 ? t[0][i] : 0;
            }
            xb.put(xo + start, t[0], 0, len);
        });
    }
}
