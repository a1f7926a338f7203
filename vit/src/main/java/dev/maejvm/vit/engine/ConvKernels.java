package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature-map kernels over channels-last rows [N*H*W, C] (rows ordered (n, y, x)): im2col and
 * its adjoint col2im for a k x k convolution, depth-to-space for a 2x2 stride-2 transposed
 * convolution and its adjoint, 2x2 stride-2 max pooling and its backward. For float32 host
 * arrays (check {@link FusedKernels#applies} first); work is spread over the cores with
 * {@link FusedKernels}' loops. Each output row is written by one task, so no kernel here needs
 * atomics: the adjoints are written as gathers over the rows they produce.
 */
public final class ConvKernels {
    private ConvKernels() {}

    /**
     * cols[(n, oy, ox), (ky, kx, ci)] = x[(n, oy*s - p + ky, ox*s - p + kx), ci], 0 where that pixel
     * is padding. In this column order the k taps of one kernel row are k*Cin consecutive floats
     * of the channels-last input, copied in one piece (the weight is permuted to match,
     * {@code layers.Conv2d}).
     *
     * @param x [N*H*W, Cin]
     * @param cols [N*Ho*Wo, k*k*Cin], Ho = (H + 2p - k) / s + 1, Wo likewise
     */
    public static void im2col(INDArray x, int n, int h, int w, int k, int s, int p, int ho, int wo, INDArray cols) {
        int c = (int) x.size(1);
        int width = k * k * c;
        FloatBuffer xb = FusedKernels.buf(x), ob = FusedKernels.buf(cols);
        int xo = FusedKernels.off(x), oo = FusedKernels.off(cols);
        FusedKernels.forRows(n * ho * wo, (from, to) -> {
            float[] row = new float[width];
            for (int m = from; m < to; m++) {
                int sample = m / (ho * wo);
                int y0 = m / wo % ho * s - p;
                int x0 = m % wo * s - p;
                int kx0 = Math.max(0, -x0);                       // the taps inside the map
                int kx1 = Math.min(k, w - x0);
                if (y0 < 0 || x0 < 0 || y0 + k > h || x0 + k > w) {
                    java.util.Arrays.fill(row, 0);
                }
                for (int ky = 0; ky < k; ky++) {
                    int iy = y0 + ky;
                    if (iy < 0 || iy >= h || kx1 <= kx0) {
                        continue;
                    }
                    xb.get(xo + ((sample * h + iy) * w + x0 + kx0) * c, row, (ky * k + kx0) * c, (kx1 - kx0) * c);
                }
                ob.put(oo + m * width, row);
            }
        });
    }

    /**
     * The adjoint of {@link #im2col}: dx[(n, iy, ix), ci] = sum of dcols[(n, oy, ox), (ky, kx, ci)]
     * over the (oy, ox, ky, kx) with oy*s - p + ky = iy and ox*s - p + kx = ix (assigned, not added).
     * Written as a gather over the input pixels, so the cores never write the same row.
     *
     * @param dcols [N*Ho*Wo, k*k*Cin]
     * @param dx [N*H*W, Cin]
     */
    public static void col2im(INDArray dcols, int n, int h, int w, int k, int s, int p, int ho, int wo, INDArray dx) {
        int c = (int) dx.size(1);
        int width = k * k * c;
        FloatBuffer gb = FusedKernels.buf(dcols), xb = FusedKernels.buf(dx);
        int go = FusedKernels.off(dcols), xo = FusedKernels.off(dx);
        FusedKernels.forRows(n * h * w, (from, to) -> {
            float[] acc = new float[c];
            float[] part = new float[c];
            for (int r = from; r < to; r++) {
                int sample = r / (h * w);
                int iy = r / w % h;
                int ix = r % w;
                java.util.Arrays.fill(acc, 0);
                for (int ky = 0; ky < k; ky++) {
                    int ty = iy + p - ky;
                    if (ty < 0 || ty % s != 0 || ty / s >= ho) {
                        continue;
                    }
                    int oy = ty / s;
                    for (int kx = 0; kx < k; kx++) {
                        int tx = ix + p - kx;
                        if (tx < 0 || tx % s != 0 || tx / s >= wo) {
                            continue;
                        }
                        int m = (sample * ho + oy) * wo + tx / s;
                        gb.get(go + m * width + (ky * k + kx) * c, part, 0, c);
                        for (int ci = 0; ci < c; ci++) {
                            acc[ci] += part[ci];
                        }
                    }
                }
                xb.put(xo + r * c, acc);
            }
        });
    }

    /**
     * A 2x2 stride-2 transposed convolution's rearrangement plus its bias:
     * y[(n, 2i + dy, 2j + dx), co] = z[(n, i, j), co*4 + dy*2 + dx] + bias[co].
     *
     * @param z [N*H*W, Cout*4], columns (co, dy, dx) as torch's weight [Cin, Cout, 2, 2]
     * @param bias [Cout] or null
     * @param y [N*2H*2W, Cout]
     */
    public static void depthToSpace2(INDArray z, INDArray bias, int n, int h, int w, INDArray y) {
        int c = (int) y.size(1);
        FloatBuffer zb = FusedKernels.buf(z), yb = FusedKernels.buf(y);
        int zo = FusedKernels.off(z), yo = FusedKernels.off(y);
        float[] b = new float[c];
        if (bias != null) {
            FusedKernels.buf(bias).get(FusedKernels.off(bias), b);
        }
        FusedKernels.forRows(n * h * w, (from, to) -> {
            float[] in = new float[4 * c];
            float[] out = new float[c];
            for (int m = from; m < to; m++) {
                zb.get(zo + m * 4 * c, in);
                int sample = m / (h * w);
                int i = m / w % h;
                int j = m % w;
                for (int d = 0; d < 4; d++) {
                    for (int co = 0; co < c; co++) {
                        out[co] = in[co * 4 + d] + b[co];
                    }
                    int r = (sample * 2 * h + 2 * i + (d >> 1)) * 2 * w + 2 * j + (d & 1);
                    yb.put(yo + r * c, out);
                }
            }
        });
    }

    /**
     * The adjoint of {@link #depthToSpace2} without the bias: dz[(n, i, j), co*4 + dy*2 + dx] =
     * dyArr[(n, 2i + dy, 2j + dx), co].
     *
     * @param dyArr [N*2H*2W, Cout]
     * @param dz [N*H*W, Cout*4]
     */
    public static void spaceToDepth2(INDArray dyArr, int n, int h, int w, INDArray dz) {
        int c = (int) dyArr.size(1);
        FloatBuffer gb = FusedKernels.buf(dyArr), zb = FusedKernels.buf(dz);
        int go = FusedKernels.off(dyArr), zo = FusedKernels.off(dz);
        FusedKernels.forRows(n * h * w, (from, to) -> {
            float[] in = new float[c];
            float[] out = new float[4 * c];
            for (int m = from; m < to; m++) {
                int sample = m / (h * w);
                int i = m / w % h;
                int j = m % w;
                for (int d = 0; d < 4; d++) {
                    int r = (sample * 2 * h + 2 * i + (d >> 1)) * 2 * w + 2 * j + (d & 1);
                    gb.get(go + r * c, in);
                    for (int co = 0; co < c; co++) {
                        out[co * 4 + d] = in[co];
                    }
                }
                zb.put(zo + m * 4 * c, out);
            }
        });
    }

    /**
     * 2x2 stride-2 max pooling, the window read in the order (0,0), (0,1), (1,0), (1,1) and the
     * first maximum kept on ties (as torch's CPU kernel); a trailing odd row or column is dropped.
     *
     * @param x [N*H*W, C]
     * @param y [N*(H/2)*(W/2), C]
     * @param tap [N*(H/2)*(W/2)*C]: which of the four window positions won, for the backward
     */
    public static void maxPool2(INDArray x, int n, int h, int w, INDArray y, byte[] tap) {
        int c = (int) x.size(1);
        int ho = h / 2;
        int wo = w / 2;
        FloatBuffer xb = FusedKernels.buf(x), yb = FusedKernels.buf(y);
        int xo = FusedKernels.off(x), yo = FusedKernels.off(y);
        FusedKernels.forRows(n * ho * wo, (from, to) -> {
            float[] best = new float[c];
            float[] v = new float[c];
            for (int m = from; m < to; m++) {
                int sample = m / (ho * wo);
                int oy = m / wo % ho;
                int ox = m % wo;
                int r0 = (sample * h + 2 * oy) * w + 2 * ox;
                xb.get(xo + r0 * c, best);
                int t0 = m * c;
                java.util.Arrays.fill(tap, t0, t0 + c, (byte) 0);
                for (int d = 1; d < 4; d++) {
                    xb.get(xo + (r0 + (d >> 1) * w + (d & 1)) * c, v);
                    for (int ch = 0; ch < c; ch++) {
                        if (v[ch] > best[ch]) {
                            best[ch] = v[ch];
                            tap[t0 + ch] = (byte) d;
                        }
                    }
                }
                yb.put(yo + m * c, best);
            }
        });
    }

    /**
     * The backward of {@link #maxPool2}: each output's gradient goes to the input that won its
     * window, every other input (and a dropped odd row or column) gets 0. Assigned, not added.
     *
     * @param dy [N*(H/2)*(W/2), C]
     * @param dx [N*H*W, C]
     */
    public static void maxPool2Backward(INDArray dy, byte[] tap, int n, int h, int w, INDArray dx) {
        int c = (int) dx.size(1);
        int ho = h / 2;
        int wo = w / 2;
        FloatBuffer gb = FusedKernels.buf(dy), xb = FusedKernels.buf(dx);
        int go = FusedKernels.off(dy), xo = FusedKernels.off(dx);
        FusedKernels.forRows(n * h * w, (from, to) -> {
            float[] g = new float[c];
            float[] out = new float[c];
            for (int r = from; r < to; r++) {
                int sample = r / (h * w);
                int iy = r / w % h;
                int ix = r % w;
                if (iy >= 2 * ho || ix >= 2 * wo) {
                    java.util.Arrays.fill(out, 0);
                } else {
                    int m = (sample * ho + iy / 2) * wo + ix / 2;
                    byte d = (byte) ((iy & 1) * 2 + (ix & 1));
                    gb.get(go + m * c, g);
                    int t0 = m * c;
                    for (int ch = 0; ch < c; ch++) {
                        out[ch] = tap[t0 + ch] == d ? g[ch] : 0;
                    }
                }
                xb.put(xo + r * c, out);
            }
        });
    }
}
