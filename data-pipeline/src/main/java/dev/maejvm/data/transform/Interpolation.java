package dev.maejvm.data.transform;

import dev.maejvm.data.Image;

/**
 * Resampling of a crop of an image to a new size. BICUBIC is Keys' cubic convolution with
 * a = -0.5 (PIL's and torchvision-on-PIL's kernel), sampling at pixel centres, edges clamped,
 * without antialiasing; BILINEAR likewise.
 */
public enum Interpolation {
    BILINEAR,
    BICUBIC;

    /**
     * @param top first row of the crop, left first column, h x w its size (in source pixels)
     * @return the crop resampled to outH x outW
     */
    public Image resample(Image src, double top, double left, double h, double w, int outH, int outW) {
        int c = src.channels();
        float[] out = new float[c * outH * outW];
        double sy = h / outH;
        double sx = w / outW;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outH; y++) {
                double fy = top + (y + 0.5) * sy - 0.5;
                for (int x = 0; x < outW; x++) {
                    double fx = left + (x + 0.5) * sx - 0.5;
                    out[(ch * outH + y) * outW + x] = (float) sample(src, ch, fy, fx);
                }
            }
        }
        return new Image(c, outH, outW, out);
    }

    private double sample(Image s, int ch, double fy, double fx) {
        int y0 = (int) Math.floor(fy);
        int x0 = (int) Math.floor(fx);
        double ty = fy - y0;
        double tx = fx - x0;
        if (this == BILINEAR) {
            return (1 - ty) * ((1 - tx) * px(s, ch, y0, x0) + tx * px(s, ch, y0, x0 + 1))
                    + ty * ((1 - tx) * px(s, ch, y0 + 1, x0) + tx * px(s, ch, y0 + 1, x0 + 1));
        }
        double v = 0;
        for (int j = -1; j <= 2; j++) {
            double wy = cubic(j - ty);
            double row = 0;
            for (int i = -1; i <= 2; i++) {
                row += cubic(i - tx) * px(s, ch, y0 + j, x0 + i);
            }
            v += wy * row;
        }
        return v;
    }

    private static float px(Image s, int ch, int y, int x) {
        return s.get(ch, Math.max(0, Math.min(s.height() - 1, y)), Math.max(0, Math.min(s.width() - 1, x)));
    }

    /** Keys' kernel, a = -0.5. */
    static double cubic(double t) {
        double a = -0.5;
        t = Math.abs(t);
        if (t <= 1) {
            return ((a + 2) * t - (a + 3)) * t * t + 1;
        }
        if (t < 2) {
            return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        }
        return 0;
    }
}
