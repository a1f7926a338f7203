package dev.maejvm.data.transform;

import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;

/** The transforms of MAE pretraining and evaluation, as torchvision's (the differences are stated). */
public final class Transforms {
    private Transforms() {}

    /**
     * torchvision's RandomResizedCrop: up to 10 tries for an area share in {@code scale} and an
     * aspect ratio log-uniform in {@code ratio} that fits, else a centre crop of the clamped
     * ratio; the crop is resampled to size x size. MAE pretraining: scale (0.2, 1), bicubic.
     */
    public static Transform randomResizedCrop(int size, double minScale, double maxScale, double minRatio,
                                              double maxRatio, Interpolation interp) {
        return (img, rng) -> {
            double area = (double) img.height() * img.width();
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * (minScale + rng.nextDouble() * (maxScale - minScale));
                double logR = Math.log(minRatio) + rng.nextDouble() * (Math.log(maxRatio) - Math.log(minRatio));
                double ar = Math.exp(logR);
                int w = (int) Math.round(Math.sqrt(target * ar));
                int h = (int) Math.round(Math.sqrt(target / ar));
                if (w > 0 && h > 0 && w <= img.width() && h <= img.height()) {
                    int top = rng.nextInt(img.height() - h + 1);
                    int left = rng.nextInt(img.width() - w + 1);
                    return interp.resample(img, top, left, h, w, size, size);
                }
            }
            double inRatio = (double) img.width() / img.height();
            int w;
            int h;
            if (inRatio < minRatio) {
                w = img.width();
                h = (int) Math.round(w / minRatio);
            } else if (inRatio > maxRatio) {
                h = img.height();
                w = (int) Math.round(h * maxRatio);
            } else {
                w = img.width();
                h = img.height();
            }
            return interp.resample(img, (img.height() - h) / 2, (img.width() - w) / 2, h, w, size, size);
        };
    }

    /** MAE pretraining's crop: scale (0.2, 1.0), ratio (3/4, 4/3), bicubic. */
    public static Transform maePretrainCrop(int size) {
        return randomResizedCrop(size, 0.2, 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC);
    }

    /** Mirrors left-right with probability p. */
    public static Transform horizontalFlip(double p) {
        return (img, rng) -> {
            if (rng.nextDouble() >= p) {
                return img;
            }
            int c = img.channels();
            int h = img.height();
            int w = img.width();
            float[] out = new float[img.pixels().length];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int row = (ch * h + y) * w;
                    for (int x = 0; x < w; x++) {
                        out[row + x] = img.pixels()[row + w - 1 - x];
                    }
                }
            }
            return new Image(c, h, w, out);
        };
    }

    /** (x - mean[c]) / std[c]. */
    public static Transform normalize(float[] mean, float[] std) {
        return (img, rng) -> {
            if (mean.length != img.channels() || std.length != img.channels()) {
                throw new IllegalArgumentException("normalise: " + mean.length + " channel statistics for an image of "
                        + img.channels() + " channels");
            }
            int plane = img.height() * img.width();
            float[] out = new float[img.pixels().length];
            for (int i = 0; i < out.length; i++) {
                int c = i / plane;
                out[i] = (img.pixels()[i] - mean[c]) / std[c];
            }
            return new Image(img.channels(), img.height(), img.width(), out);
        };
    }

    /** Resize the shorter side to {@code size} (keeping the aspect ratio), then centre-crop size x size. */
    public static Transform resizeCenterCrop(int size, Interpolation interp) {
        return (img, rng) -> {
            // resizing the shorter side to size and cropping the centre equals resampling the
            // centred s x s square of the source (s = the shorter side) to size x size
            int s = Math.min(img.height(), img.width());
            return interp.resample(img, (img.height() - s) / 2.0, (img.width() - s) / 2.0, s, s, size, size);
        };
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
