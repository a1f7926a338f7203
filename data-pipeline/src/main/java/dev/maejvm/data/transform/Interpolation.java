package dev.maejvm.data.transform;

import dev.maejvm.data.Image;

/**
 * Resampling as PIL's {@code Image.resize} does it (and so torchvision on PIL images, which MAE
 * uses): separable, horizontal pass then vertical; output pixel i samples the source at
 * {@code left + (i + 0.5) * scale}; when shrinking, the filter is stretched by the scale factor
 * (antialiasing) and its weights are normalised over the taps that fall inside the image (no edge
 * replication). BICUBIC is Keys' cubic with a = -0.5 (support 2), BILINEAR the triangle (support 1).
 * Values stay float (PIL rounds to 8 bits between passes; here nothing is rounded).
 */
public enum Interpolation {
    BILINEAR(1.0),
    BICUBIC(2.0);

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    double filter(double x) {
        x = Math.abs(x);
        if (this == BILINEAR) {
            return x < 1 ? 1 - x : 0;
        }
        double a = -0.5;
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    /** Taps of one axis: output i reads source [first[i], first[i] + count[i]) with weights w[i * taps ...]. */
    private record Coefficients(int[] first, int[] count, double[] w, int taps) {}

    private Coefficients coefficients(int inSize, double from, double length, int outSize) {
        double scale = length / outSize;
        double filterScale = Math.max(scale, 1.0);
        double reach = support * filterScale;
        int taps = (int) Math.ceil(reach) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        double[] w = new double[outSize * taps];
        for (int i = 0; i < outSize; i++) {
            double center = from + (i + 0.5) * scale;
            int lo = Math.max((int) (center - reach + 0.5), 0);
            int hi = Math.min((int) (center + reach + 0.5), inSize);
            int n = Math.max(hi - lo, 0);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double v = filter((k + lo - center + 0.5) / filterScale);
                w[i * taps + k] = v;
                sum += v;
            }
            if (sum != 0) {
                for (int k = 0; k < n; k++) {
                    w[i * taps + k] /= sum;
                }
            }
            first[i] = lo;
            count[i] = n;
        }
        return new Coefficients(first, count, w, taps);
    }

    /** The whole image resampled to outH x outW. */
    public Image resize(Image src, int outH, int outW) {
        return resample(src, 0, 0, src.height(), src.width(), outH, outW);
    }

    /**
     * The box of {@code h x w} source pixels at (top, left) resampled to outH x outW, as PIL's
     * {@code resize((outW, outH), filter, box=(left, top, left + w, top + h))}: taps may reach
     * outside the box but not outside the image.
     */
    public Image resample(Image src, double top, double left, double h, double w, int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + outH + "x" + outW);
        }
        int c = src.channels();
        int inH = src.height();
        int inW = src.width();
        Coefficients cx = coefficients(inW, left, w, outW);
        Coefficients cy = coefficients(inH, top, h, outH);
        int rowLo = cy.first()[0];
        int rowHi = cy.first()[outH - 1] + cy.count()[outH - 1];
        int rows = Math.max(rowHi - rowLo, 1);
        float[] in = src.pixels();
        float[] mid = new float[rows * outW];                      // [rows, outW] of one channel
        float[] out = new float[c * outH * outW];
        double[] acc = new double[outW];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * inH * inW;
            for (int r = 0; r < rowHi - rowLo; r++) {               // horizontal pass
                int row = base + (rowLo + r) * inW;
                for (int x = 0; x < outW; x++) {
                    int f = cx.first()[x];
                    int off = x * cx.taps();
                    double s = 0;
                    for (int k = 0; k < cx.count()[x]; k++) {
                        s += cx.w()[off + k] * in[row + f + k];
                    }
                    mid[r * outW + x] = (float) s;
                }
            }
            int obase = ch * outH * outW;
            for (int y = 0; y < outH; y++) {                        // vertical pass, row by row
                java.util.Arrays.fill(acc, 0);
                int f = cy.first()[y] - rowLo;
                int off = y * cy.taps();
                for (int k = 0; k < cy.count()[y]; k++) {
                    double wk = cy.w()[off + k];
                    int m = (f + k) * outW;
                    for (int x = 0; x < outW; x++) {
                        acc[x] += wk * mid[m + x];
                    }
                }
                for (int x = 0; x < outW; x++) {
                    out[obase + y * outW + x] = (float) acc[x];
                }
            }
        }
        return new Image(c, outH, outW, out);
    }
}
