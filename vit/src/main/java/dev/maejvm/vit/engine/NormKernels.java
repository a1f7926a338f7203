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

    /**
     * Group normalisation of channels-last rows: for each sample s and group g, the H*W*(C/G)
     * values x[s*hw .. (s+1)*hw, g*C/G .. (g+1)*C/G] are normalised with their mean and biased
     * variance (accumulated in double), y = xhat * weight[c] + bias[c] (weight, bias null: none).
     * Keeps xhat and rstd [N*G] (index s*G + g) for the backward.
     *
     * @param x, xhat, y [N*hw, C]
     */
    public static void groupNormForward(INDArray x, int n, int groups, INDArray weight, INDArray bias, double eps,
                                        INDArray xhat, INDArray rstd, INDArray y) {
        int c = (int) x.size(1);
        int hw = (int) (x.size(0) / n);
        int cg = c / groups;
        float[] w = new float[c];
        float[] b = new float[c];
        java.util.Arrays.fill(w, 1);
        if (weight != null) {
            FusedKernels.buf(weight).get(FusedKernels.off(weight), w);
            FusedKernels.buf(bias).get(FusedKernels.off(bias), b);
        }
        FloatBuffer xb = FusedKernels.buf(x), hb = FusedKernels.buf(xhat), rb = FusedKernels.buf(rstd), yb = FusedKernels.buf(y);
        int xo = FusedKernels.off(x), ho = FusedKernels.off(xhat), ro = FusedKernels.off(rstd), yo = FusedKernels.off(y);
        double count = (double) hw * cg;
        FusedKernels.forRanges(n * groups, 1, (from, to) -> {
            float[] seg = new float[cg];
            for (int u = from; u < to; u++) {
                int base = (u / groups) * hw * c + (u % groups) * cg;
                int c0 = (u % groups) * cg;
                double sum = 0;
                for (int p = 0; p < hw; p++) {
                    xb.get(xo + base + p * c, seg);
                    for (int j = 0; j < cg; j++) {
                        sum += seg[j];
                    }
                }
                double mean = sum / count;
                double sq = 0;
                for (int p = 0; p < hw; p++) {
                    xb.get(xo + base + p * c, seg);
                    for (int j = 0; j < cg; j++) {
                        double d = seg[j] - mean;
                        sq += d * d;
                    }
                }
                float r = (float) (1 / Math.sqrt(sq / count + eps));
                float m = (float) mean;
                rb.put(ro + u, r);
                for (int p = 0; p < hw; p++) {
                    xb.get(xo + base + p * c, seg);
                    for (int j = 0; j < cg; j++) {
                        seg[j] = (seg[j] - m) * r;
                    }
                    hb.put(ho + base + p * c, seg);
                    for (int j = 0; j < cg; j++) {
                        seg[j] = seg[j] * w[c0 + j] + b[c0 + j];
                    }
                    yb.put(yo + base + p * c, seg);
                }
            }
        });
    }

    /**
     * The backward of {@link #groupNormForward}: per (sample, group), with g = dy * weight[c],
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); adds sum_rows(dy * xhat) to dWeight and
     * sum_rows(dy) to dBias (weight null: no affine, g = dy, nothing added).
     */
    public static void groupNormBackward(INDArray dy, INDArray xhat, INDArray rstd, int n, int groups, INDArray weight,
                                         INDArray dx, INDArray dWeight, INDArray dBias) {
        int c = (int) dy.size(1);
        int hw = (int) (dy.size(0) / n);
        int cg = c / groups;
        int units = n * groups;
        float[] w = new float[c];
        java.util.Arrays.fill(w, 1);
        if (weight != null) {
            FusedKernels.buf(weight).get(FusedKernels.off(weight), w);
        }
        FloatBuffer gb = FusedKernels.buf(dy), hb = FusedKernels.buf(xhat), rb = FusedKernels.buf(rstd), xb = FusedKernels.buf(dx);
        int go = FusedKernels.off(dy), ho = FusedKernels.off(xhat), ro = FusedKernels.off(rstd), xo = FusedKernels.off(dx);
        double count = (double) hw * cg;
        int tasks = Math.max(1, Math.min(KernelPool.threads(), units));
        float[][] dwPart = new float[tasks][c];
        float[][] dbPart = new float[tasks][c];
        KernelPool.run(tasks, t -> {
            float[] g = new float[cg];
            float[] h = new float[cg];
            float[] dw = dwPart[t];
            float[] db = dbPart[t];
            for (int u = units * t / tasks; u < units * (t + 1) / tasks; u++) {
                int base = (u / groups) * hw * c + (u % groups) * cg;
                int c0 = (u % groups) * cg;
                double sg = 0;
                double sgh = 0;
                for (int p = 0; p < hw; p++) {
                    gb.get(go + base + p * c, g);
                    hb.get(ho + base + p * c, h);
                    for (int j = 0; j < cg; j++) {
                        dw[c0 + j] += g[j] * h[j];
                        db[c0 + j] += g[j];
                        float gj = g[j] * w[c0 + j];
                        sg += gj;
                        sgh += gj * h[j];
                    }
                }
                float mg = (float) (sg / count);
                float mgh = (float) (sgh / count);
                float r = rb.get(ro + u);
                for (int p = 0; p < hw; p++) {
                    gb.get(go + base + p * c, g);
                    hb.get(ho + base + p * c, h);
                    for (int j = 0; j < cg; j++) {
                        g[j] = r * (g[j] * w[c0 + j] - mg - h[j] * mgh);
                    }
                    xb.put(xo + base + p * c, g);
                }
            }
        });
        if (weight != null) {
            FusedKernels.addSums(dwPart, dWeight);
            FusedKernels.addSums(dbPart, dBias);
        }
    }
}
