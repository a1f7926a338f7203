package dev.maejvm.data.transform;

import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;
import java.util.random.RandomGenerator;

/**
 * timm's RandomErasing (Zhong et al. 2017), applied after normalisation: with probability p, up
 * to 10 tries for a rectangle of area share uniform in [minScale, maxScale] and aspect ratio
 * log-uniform in [minRatio, maxRatio] that fits; its pixels are replaced by {@link Mode#PIXEL}
 * independent N(0, 1) values (timm's 'pixel', MAE fine-tuning's choice), {@link Mode#CHANNEL}
 * one N(0, 1) per channel, or {@link Mode#CONST} zeros. MAE fine-tuning: p 0.25, scale
 * (0.02, 1/3), ratio (0.3, 3.3), PIXEL.
 */
public record RandomErasing(double p, double minScale, double maxScale, double minRatio, double maxRatio, Mode mode)
        implements Transform {
    public enum Mode { PIXEL, CHANNEL, CONST }

    public RandomErasing {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        }
        if (!(minScale > 0 && minScale <= maxScale && maxScale < 1)) {
            throw new IllegalArgumentException("scale must satisfy 0 < min <= max < 1, got (" + minScale + ", " + maxScale + ")");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio) || mode == null) {
            throw new IllegalArgumentException("ratio must satisfy 0 < min <= max and mode be given");
        }
    }

    public static RandomErasing maeFinetune() {
        return new RandomErasing(0.25, 0.02, 1.0 / 3, 0.3, 3.3, Mode.PIXEL);
    }

    @Override
    public Image apply(Image img, RandomGenerator rng) {
        if (rng.nextDouble() >= p) {
            return img;
        }
        int h = img.height();
        int w = img.width();
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + rng.nextDouble() * (maxScale - minScale));
            double ar = Math.exp(Math.log(minRatio) + rng.nextDouble() * (Math.log(maxRatio) - Math.log(minRatio)));
            int eh = (int) Math.round(Math.sqrt(target * ar));
            int ew = (int) Math.round(Math.sqrt(target / ar));
            if (eh > 0 && ew > 0 && eh < h && ew < w) {
                return erase(img, rng.nextInt(h - eh + 1), rng.nextInt(w - ew + 1), eh, ew, rng);
            }
        }
        return img;
    }

    /** The image with rows [top, top + eh) x columns [left, left + ew) filled as {@link #mode} says. */
    public Image erase(Image img, int top, int left, int eh, int ew, RandomGenerator rng) {
        float[] out = img.pixels().clone();
        for (int c = 0; c < img.channels(); c++) {
            float channelValue = mode == Mode.CHANNEL ? (float) rng.nextGaussian() : 0;
            for (int y = top; y < top + eh; y++) {
                int row = (c * img.height() + y) * img.width();
                for (int x = left; x < left + ew; x++) {
                    out[row + x] = mode == Mode.PIXEL ? (float) rng.nextGaussian() : channelValue;
                }
            }
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }
}
