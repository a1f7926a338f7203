package dev.maejvm.data.detection;

import dev.maejvm.data.Image;
import dev.maejvm.data.transform.Interpolation;
import java.util.random.RandomGenerator;

/**
 * Large-scale jitter (Ghiasi et al. 2021, "Simple Copy-Paste"; detectron2's LSJ recipe,
 * {@code ResizeScale} then {@code FixedSizeCrop}): a random scale s uniform in [minScale, maxScale];
 * the image is resized, keeping its aspect ratio, by min(s * targetHeight / H, s * targetWidth / W)
 * to round(H * f) x round(W * f) pixels, boxes scaled with it (by the exact output/input size
 * ratio per axis); then cropped to targetHeight x targetWidth where larger and padded with
 * {@code padValue} where smaller ({@link BoxTransforms#fixedSizeCrop}: boxes clipped, dropped when
 * empty or under {@code minVisible} of their area). Output: always targetHeight x targetWidth.
 *
 * @param minScale smallest s (detectron2's LSJ: 0.1)
 * @param maxScale largest s (LSJ: 2.0)
 * @param padValue the value of padded pixels (pixels in [0, 1] before normalisation)
 * @param minVisible the share of its area a cropped box must keep, in [0, 1]
 */
public record ScaleJitter(int targetHeight, int targetWidth, double minScale, double maxScale, Interpolation interpolation,
                          float padValue, double minVisible) implements DetectionTransform {
    public ScaleJitter {
        if (targetHeight < 1 || targetWidth < 1) {
            throw new IllegalArgumentException("targetHeight and targetWidth must be >= 1, got " + targetHeight + "x" + targetWidth);
        }
        if (!(minScale > 0) || Double.isInfinite(minScale)) {
            throw new IllegalArgumentException("minScale must be > 0, got " + minScale);
        }
        if (!(maxScale >= minScale) || Double.isInfinite(maxScale)) {
            throw new IllegalArgumentException("maxScale must be >= minScale = " + minScale + " and finite, got " + maxScale);
        }
        if (interpolation == null) {
            throw new IllegalArgumentException("interpolation must be given");
        }
        if (!(minVisible >= 0 && minVisible <= 1)) {
            throw new IllegalArgumentException("minVisible must be in [0, 1], got " + minVisible);
        }
    }

    /** detectron2's LSJ at size x size: scales 0.1-2.0, bilinear, padded with 0, boxes kept while any of them is. */
    public static ScaleJitter lsj(int size) {
        return new ScaleJitter(size, size, 0.1, 2.0, Interpolation.BILINEAR, 0f, 0);
    }

    @Override
    public DetectionExample apply(DetectionExample ex, RandomGenerator rng) {
        double s = minScale + rng.nextDouble() * (maxScale - minScale);
        return BoxTransforms.fixedSizeCrop(targetHeight, targetWidth, padValue, minVisible).apply(resize(ex, s), rng);
    }

    /** ResizeScale at scale s: the aspect-preserving resize, at least 1 x 1 pixel. */
    public DetectionExample resize(DetectionExample ex, double s) {
        Image img = ex.image();
        double f = Math.min(s * targetHeight / img.height(), s * targetWidth / img.width());
        int h = (int) Math.max(1, Math.rint(img.height() * f));
        int w = (int) Math.max(1, Math.rint(img.width() * f));
        if (h == img.height() && w == img.width()) {
            return ex;
        }
        return BoxTransforms.resize(h, w, interpolation).apply(ex, null);
    }
}
