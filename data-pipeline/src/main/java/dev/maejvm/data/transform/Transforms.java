package dev.maejvm.data.transform;

import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;

/**
 * The deterministic and simple random transforms, as torchvision's (differences are stated).
 * Heavier ones have their own classes: {@link RandomResizedCrop}, {@link RandAugment},
 * {@link RandomErasing}; batch-level mixing is {@link MixupCutmix}.
 */
public final class Transforms {
    private Transforms() {}

    /** See {@link RandomResizedCrop}. */
    public static Transform randomResizedCrop(int size, double minScale, double maxScale, double minRatio,
                                              double maxRatio, Interpolation interp) {
        return new RandomResizedCrop(size, minScale, maxScale, minRatio, maxRatio, interp);
    }

    /** MAE pretraining's crop: scale (0.2, 1.0), ratio (3/4, 4/3), bicubic. */
    public static Transform maePretrainCrop(int size) {
        return RandomResizedCrop.mae(size);
    }

    /** The rows [top, top + h) and columns [left, left + w), copied; the box must lie inside the image. */
    public static Image crop(Image img, int top, int left, int h, int w) {
        if (top < 0 || left < 0 || h <= 0 || w <= 0 || top + h > img.height() || left + w > img.width()) {
            throw new IllegalArgumentException("crop " + h + "x" + w + " at (" + top + ", " + left + ") is outside the "
                    + img.height() + "x" + img.width() + " image");
        }
        int c = img.channels();
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(img.pixels(), (ch * img.height() + top + y) * img.width() + left, out, (ch * h + y) * w, w);
            }
        }
        return new Image(c, h, w, out);
    }

    /**
     * torchvision's Resize(size) with an int: the shorter side becomes {@code size}, the longer
     * {@code (int) (size * long / short)}.
     */
    public static Transform resize(int size, Interpolation interp) {
        return (img, rng) -> {
            int h = img.height();
            int w = img.width();
            if (h <= w) {
                return interp.resize(img, size, (int) ((long) size * w / h));
            }
            return interp.resize(img, (int) ((long) size * h / w), size);
        };
    }

    /** Resize to exactly height x width (torchvision's Resize((h, w))). */
    public static Transform resize(int height, int width, Interpolation interp) {
        return (img, rng) -> interp.resize(img, height, width);
    }

    /**
     * torchvision's CenterCrop(size): top = round((H - size) / 2), left likewise (half to even, as
     * Python's round). An image smaller than the crop is an error (torchvision pads it instead).
     */
    public static Transform centerCrop(int size) {
        return (img, rng) -> crop(img, (int) Math.rint((img.height() - size) / 2.0), (int) Math.rint((img.width() - size) / 2.0),
                size, size);
    }

    /** Resize the shorter side to {@code size}, then centre-crop size x size (the evaluation transform). */
    public static Transform resizeCenterCrop(int size, Interpolation interp) {
        return resize(size, interp).then(centerCrop(size));
    }

    /** Mirrors left-right with probability p. */
    public static Transform horizontalFlip(double p) {
        return (img, rng) -> rng.nextDouble() < p ? flip(img) : img;
    }

    /** Left-right mirror. */
    public static Image flip(Image img) {
        int c = img.channels();
        int h = img.height();
        int w = img.width();
        float[] out = new float[img.pixels().length];
        for (int row = 0; row < c * h; row++) {
            int o = row * w;
            for (int x = 0; x < w; x++) {
                out[o + x] = img.pixels()[o + w - 1 - x];
            }
        }
        return new Image(c, h, w, out);
    }

    /** (x - mean[c]) / std[c]. */
    public static Transform normalize(float[] mean, float[] std) {
        float[] m = mean.clone();
        float[] s = std.clone();
        for (int c = 0; c < s.length; c++) {
            if (!(s[c] > 0)) {
                throw new IllegalArgumentException("normalise: std[" + c + "] must be positive, got " + s[c]);
            }
        }
        return (img, rng) -> {
            if (m.length != img.channels() || s.length != img.channels()) {
                throw new IllegalArgumentException("normalise: " + m.length + " channel statistics for an image of "
                        + img.channels() + " channels");
            }
            int plane = img.height() * img.width();
            float[] out = new float[img.pixels().length];
            for (int c = 0; c < img.channels(); c++) {
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    out[i] = (img.pixels()[i] - m[c]) / s[c];
                }
            }
            return new Image(img.channels(), img.height(), img.width(), out);
        };
    }

    /** Normalise with statistics measured on a dataset (see {@link ChannelStats}). */
    public static Transform normalize(ChannelStats stats) {
        return normalize(stats.mean(), stats.std());
    }

    /**
     * To {@code channels}: gray to RGB by repetition, RGB to gray with ITU-R 601-2 luma
     * (0.299 R + 0.587 G + 0.114 B, as PIL's "L").
     */
    public static Transform toChannels(int channels) {
        return (img, rng) -> {
            if (img.channels() == channels) {
                return img;
            }
            int plane = img.height() * img.width();
            float[] out = new float[channels * plane];
            if (img.channels() == 1 && channels == 3) {
                for (int c = 0; c < 3; c++) {
                    System.arraycopy(img.pixels(), 0, out, c * plane, plane);
                }
            } else if (img.channels() == 3 && channels == 1) {
                float[] p = img.pixels();
                for (int i = 0; i < plane; i++) {
                    out[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
                }
            } else {
                throw new IllegalArgumentException("cannot convert " + img.channels() + " channels to " + channels);
            }
            return new Image(channels, img.height(), img.width(), out);
        };
    }
}
