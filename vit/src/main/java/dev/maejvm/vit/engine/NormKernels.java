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
     * variance, y = xhat * weight[c] + bias[c] (weight, bias null: none). Keeps xhat and rstd
     * [N*G] (index s*G + g) for the backward. Three passes over whole rows (the sums, the squared
     * deviations, the output), each split over the cores by rows, the per-(sample, group) sums
     * accumulated in double in one partial per core.
     *
     * @param x, xhat, y [N*hw, C]
     */
    public static void groupNormForward(INDArray x, int n, int groups, INDArray weight, INDArray bias, double eps,
                                        INDArray xhat, INDArray rstd, INDArray y) {
        int m = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = m / n;
        int cg = c / groups;
        int units = n * groups;
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
        float[] mean = new float[units];
        float[] r = new float[units];
        int tasks = FusedKernels.reductionTasks(m);
        double[][] parts = new double[tasks][units];
        for (int pass = 0; pass < 2; pass++) {
            boolean squares = pass == 1;
            KernelPool.run(tasks, t -> {
                float[] row = new float[c];
                double[] part = parts[t];
                java.util.Arrays.fill(part, 0);
                for (int i = (int) ((long) m * t / tasks); i < (int) ((long) m * (t + 1) / tasks); i++) {
                    xb.get(xo + i * c, row);
                    int u0 = i / hw * groups;
                    for (int g = 0; g < groups; g++) {
                        float mu = mean[u0 + g];
                        double sum = 0;
                        for (int j = g * cg; j < (g + 1) * cg; j++) {
                            if (squares) {
                                float d = row[j] - mu;
                                sum += d * d;
                            } else {
                                sum += row[j];
                            }
                        }
                        part[u0 + g] += sum;
                    }
                }
            });
            for (int u = 0; u < units; u++) {
                double total = 0;
                for (double[] part : parts) {
                    total += part[u];
                }
                if (squares) {
                    r[u] = (float) (1 / Math.sqrt(total / count + eps));
                    rb.put(ro + u, r[u]);
                } else {
                    mean[u] = (float) (total / count);
                }
            }
        }
        FusedKernels.forRows(m, (from, to) -> {
            float[] row = new float[c];
            float[] out = new float[c];
            for (int i = from; i < to; i++) {
                xb.get(xo + i * c, row);
                int u0 = i / hw * groups;
                for (int j = 0; j < c; j++) {
                    int u = u0 + j / cg;
                    row[j] = (row[j] - mean[u]) * r[u];
                    out[j] = row[j] * w[j] + b[j];
                }
                hb.put(ho + i * c, row);
                yb.put(yo + i * c, out);
            }
        });
    }

    /**
     * The backward of {@link #groupNormForward}: per (sample, group), with g = dy * weight[c],
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); adds sum_rows(dy * xhat) to dWeight and
     * sum_rows(dy) to dBias (weight null: no affine, g = dy, nothing added). Two passes over whole
     * rows: the sums (per core partials), then dx.
     */
    public static void groupNormBackward(INDArray dy, INDArray xhat, INDArray rstd, int n, int groups, INDArray weight,
                                         INDArray dx, INDArray dWeight, INDArray dBias) {
        int m = (int) dy.size(0);
        int c = (int) dy.size(1);
        int hw = m / n;
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
        int tasks = FusedKernels.reductionTasks(m);
        float[][] dwPart = new float[tasks][c];
        float[][] dbPart = new float[tasks][c];
        double[][] sgPart = new double[tasks][units];
        double[][] sghPart = new double[tasks][units];
        KernelPool.run(tasks, t -> {
            float[] g = new float[c];
            float[] h = new float[c];
            float[] dw = dwPart[t];
            float[] db = dbPart[t];
            double[] sg = sgPart[t];
            double[] sgh = sghPart[t];
            for (int i = (int) ((long) m * t / tasks); i < (int) ((long) m * (t + 1) / tasks); i++) {
                gb.get(go + i * c, g);
                hb.get(ho + i * c, h);
                int u0 = i / hw * groups;
                for (int grp = 0; grp < groups; grp++) {
                    double a = 0;
                    double ah = 0;
                    for (int j = grp * cg; j < (grp + 1) * cg; j++) {
                        dw[j] += g[j] * h[j];
                        db[j] += g[j];
                        float gj = g[j] * w[j];
                        a += gj;
                        ah += gj * h[j];
                    }
                    sg[u0 + grp] += a;
                    sgh[u0 + grp] += ah;
                }
            }
        });
        float[] mg = new float[units];
        float[] mgh = new float[units];
        float[] r = new float[units];
        for (int u = 0; u < units; u++) {
            double a = 0;
            double ah = 0;
            for (int t = 0; t < tasks; t++) {
                a += sgPart[t][u];
                ah += sghPart[t][u];
            }
            mg[u] = (float) (a / count);
            mgh[u] = (float) (ah / count);
            r[u] = rb.get(ro + u);
        }
        FusedKernels.forRows(m, (from, to) -> {
            float[] g = new float[c];
            float[] h = new float[c];
            for (int i = from; i < to; i++) {
                gb.get(go + i * c, g);
                hb.get(ho + i * c, h);
                int u0 = i / hw * groups;
                for (int j = 0; j < c; j++) {
                    int u = u0 + j / cg;
                    g[j] = r[u] * (g[j] * w[j] - mg[u] - h[j] * mgh[u]);
                }
                xb.put(xo + i * c, g);
            }
        });
        if (weight != null) {
            FusedKernels.addSums(dwPart, dWeight);
            FusedKernels.addSums(dbPart, dBias);
        }
    }
}
