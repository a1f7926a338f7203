package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layer normalisation over rows, forward and backward, fused into one pass a row. For float32 host arrays (check {@link FusedKernels#applies} first); work is spread over
 * the cores with {@link FusedKernels}' loops.
 */
public final class NormKernels {
    private NormKernels() {}

    /**
     * y = (x - mean) * rstd * weight + bias per row; keeps xhat and rstd for the backward.
     * x, xhat, y: [M, D]; rstd: [M]; weight, bias: [D].
     */
    public static void layerNormForward(INDArray x, INDArray weight, INDArray bias, double eps,
                                        INDArray xhat, INDArray rstd, INDArray y) {
        int m = (int) x.size(0);
        int d = (int) x.size(1);
        FloatBuffer xb = FusedKernels.buf(x), hb = FusedKernels.buf(xhat), rb = FusedKernels.buf(rstd), yb = FusedKernels.buf(y), wb = FusedKernels.buf(weight), bb = FusedKernels.buf(bias);
        int xo = FusedKernels.off(x), ho = FusedKernels.off(xhat), ro = FusedKernels.off(rstd), yo = FusedKernels.off(y), wo = FusedKernels.off(weight), bo = FusedKernels.off(bias);
        float[] w = new float[d];
        float[] b = new float[d];
        wb.get(wo, w);
        bb.get(bo, b);
        FusedKernels.forRows(m, (from, to) -> {
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
        FloatBuffer gb = FusedKernels.buf(dy), hb = FusedKernels.buf(xhat), rb = FusedKernels.buf(rstd), xb = FusedKernels.buf(dx), wb = FusedKernels.buf(weight);
        int go = FusedKernels.off(dy), ho = FusedKernels.off(xhat), ro = FusedKernels.off(rstd), xo = FusedKernels.off(dx), wo = FusedKernels.off(weight);
        float[] w = new float[d];
        wb.get(wo, w);
        int tasks = FusedKernels.reductionTasks(m);
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
        FusedKernels.addSums(dwPart, dWeight);
        FusedKernels.addSums(dbPart, dBias);
    }
}
