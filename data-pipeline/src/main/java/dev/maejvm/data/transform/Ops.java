package dev.maejvm.data.transform;

import dev.maejvm.data.Image;

/** The pixel operations behind {@link RandAugment}, on [0, 1] floats, each as PIL's ImageOps / ImageEnhance defines it. */
final class Ops {
    private Ops() {}

    interface FloatMap {
        float apply(float v);
    }

    static Image map(Image img, FloatMap f) {
        float[] out = new float[img.pixels().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.apply(img.pixels()[i]);
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** ImageEnhance: degenerate + factor * (img - degenerate), clipped to [0, 1]. */
    static Image blend(Image degenerate, Image img, double factor) {
        float[] out = new float[img.pixels().length];
        for (int i = 0; i < out.length; i++) {
            float d = degenerate.pixels()[i];
            out[i] = (float) Math.max(0, Math.min(1, d + factor * (img.pixels()[i] - d)));
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Luma per pixel (PIL's "L"), repeated over the channels; with {@code mean}, its image-wide mean everywhere (Contrast). */
    static Image gray(Image img, boolean mean) {
        int plane = img.height() * img.width();
        float[] p = img.pixels();
        float[] l = new float[plane];
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            l[i] = img.channels() == 3 ? 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i] : p[i];
            sum += l[i];
        }
        float m = (float) (sum / plane);
        float[] out = new float[p.length];
        for (int c = 0; c < img.channels(); c++) {
            for (int i = 0; i < plane; i++) {
                out[c * plane + i] = mean ? m : l[i];
            }
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Each channel stretched so that its darkest value becomes 0 and its brightest 1 (ImageOps.autocontrast, no cutoff). */
    static Image autoContrast(Image img) {
        int plane = img.height() * img.width();
        float[] out = img.pixels().clone();
        for (int c = 0; c < img.channels(); c++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                lo = Math.min(lo, out[i]);
                hi = Math.max(hi, out[i]);
            }
            if (hi > lo) {
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    out[i] = (out[i] - lo) / (hi - lo);
                }
            }
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Histogram equalisation per channel over 256 levels (ImageOps.equalize). */
    static Image equalize(Image img) {
        int plane = img.height() * img.width();
        float[] out = img.pixels().clone();
        for (int c = 0; c < img.channels(); c++) {
            int[] hist = new int[256];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                hist[level(out[i])]++;
            }
            int last = 255;
            while (last > 0 && hist[last] == 0) {
                last--;
            }
            int step = (plane - hist[last]) / 255;
            if (step == 0) {
                continue;
            }
            int[] lut = new int[256];
            int n = step / 2;
            for (int v = 0; v < 256; v++) {
                lut[v] = Math.min(255, n / step);
                n += hist[v];
            }
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                out[i] = lut[level(out[i])] / 255f;
            }
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Keeps the top {@code bits} bits of each 8-bit level (ImageOps.posterize); 0 bits gives black. */
    static Image posterize(Image img, int bits) {
        int mask = bits <= 0 ? 0 : ~((1 << (8 - bits)) - 1) & 0xff;
        return map(img, v -> (level(v) & mask) / 255f);
    }

    /** PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]] / 13 inside, the border left as it is (ImageEnhance.Sharpness's degenerate). */
    static Image smooth(Image img) {
        int h = img.height();
        int w = img.width();
        float[] p = img.pixels();
        float[] out = p.clone();
        for (int c = 0; c < img.channels(); c++) {
            for (int y = 1; y < h - 1; y++) {
                for (int x = 1; x < w - 1; x++) {
                    int i = (c * h + y) * w + x;
                    float s = 4 * p[i];
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            s += p[i + dy * w + dx];
                        }
                    }
                    out[i] = s / 13;
                }
            }
        }
        return new Image(img.channels(), h, w, out);
    }

    /** The inverse map of a rotation by {@code angle} (counter-clockwise) about the image centre, as PIL's rotate. */
    static double[] rotation(double angle, Image img) {
        double cx = img.width() / 2.0;
        double cy = img.height() / 2.0;
        double a = Math.cos(angle);
        double b = Math.sin(angle);
        // output (x, y) reads input (a x + b y + c, -b x + a y + f)
        return new double[] {a, b, cx - a * cx - b * cy, -b, a, cy + b * cx - a * cy};
    }

    /**
     * PIL's Image.transform(AFFINE, m): output pixel (x, y) (at its centre) reads the input at
     * (m0 x + m1 y + m2, m3 x + m4 y + m5), bilinearly; outside the image it is 0.5 (gray 128).
     */
    static Image affine(Image img, double[] m) {
        int h = img.height();
        int w = img.width();
        float[] p = img.pixels();
        float[] out = new float[p.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double sx = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2] - 0.5;
                double sy = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5] - 0.5;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double tx = sx - x0;
                double ty = sy - y0;
                for (int c = 0; c < img.channels(); c++) {
                    int base = c * h * w;
                    double v = (1 - ty) * ((1 - tx) * at(p, base, h, w, y0, x0) + tx * at(p, base, h, w, y0, x0 + 1))
                            + ty * ((1 - tx) * at(p, base, h, w, y0 + 1, x0) + tx * at(p, base, h, w, y0 + 1, x0 + 1));
                    out[base + y * w + x] = (float) v;
                }
            }
        }
        return new Image(img.channels(), h, w, out);
    }

    private static float at(float[] p, int base, int h, int w, int y, int x) {
        return y < 0 || x < 0 || y >= h || x >= w ? 0.5f : p[base + y * w + x];
    }

    static int level(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
