package dev.maejvm.data.transform;

import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;
import java.util.random.RandomGenerator;

/**
 * torchvision's RandomResizedCrop: up to 10 tries for a crop whose area is a share of the image
 * drawn uniformly from [minScale, maxScale] and whose aspect ratio (w / h) is log-uniform in
 * [minRatio, maxRatio], placed uniformly where it fits; else the centre crop of the clamped ratio.
 * The integer crop is then resized to size x size with {@code interpolation} (as torchvision's
 * crop then PIL resize). MAE pretraining: scale (0.2, 1.0), ratio (3/4, 4/3), BICUBIC.
 */
public record RandomResizedCrop(int size, double minScale, double maxScale, double minRatio, double maxRatio,
                                Interpolation interpolation) implements Transform {
    public RandomResizedCrop {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("scale must satisfy 0 < min <= max <= 1, got (" + minScale + ", " + maxScale + ")");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio)) {
            throw new IllegalArgumentException("ratio must satisfy 0 < min <= max, got (" + minRatio + ", " + maxRatio + ")");
        }
        if (interpolation == null) {
            throw new IllegalArgumentException("interpolation must be given (BICUBIC or BILINEAR)");
        }
    }

    /** MAE's pretraining crop: scale (0.2, 1.0), ratio (3/4, 4/3), bicubic. */
    public static RandomResizedCrop mae(int size) {
        return new RandomResizedCrop(size, 0.2, 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC);
    }

    /** The crop box as {top, left, height, width}, drawn from {@code rng} as torchvision's get_params does. */
    public int[] box(int height, int width, RandomGenerator rng) {
        double area = (double) height * width;
        double logLo = Math.log(minRatio);
        double logHi = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + rng.nextDouble() * (maxScale - minScale));
            double ar = Math.exp(logLo + rng.nextDouble() * (logHi - logLo));
            int w = (int) Math.round(Math.sqrt(target * ar));
            int h = (int) Math.round(Math.sqrt(target / ar));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w = width;
        int h = height;
        if (inRatio < minRatio) {
            h = (int) Math.round(w / minRatio);
        } else if (inRatio > maxRatio) {
            w = (int) Math.round(h * maxRatio);
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    @Override
    public Image apply(Image img, RandomGenerator rng) {
        int[] b = box(img.height(), img.width(), rng);
        return interpolation.resize(Transforms.crop(img, b[0], b[1], b[2], b[3]), size, size);
    }
}
