package dev.maejvm.data.detection;

import dev.maejvm.data.Image;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;
import java.util.ArrayList;
import java.util.List;

/**
 * Detection transforms: the pixels change as the image transforms do and every box moves with
 * them (pixel xyxy, so a box's edges are pixel edges: flipping maps x to W - x).
 */
public final class BoxTransforms {
    private BoxTransforms() {}

    /** To exactly height x width; boxes scale by (width / W, height / H). */
    public static DetectionTransform resize(int height, int width, Interpolation interp) {
        return (ex, rng) -> {
            Image img = ex.image();
            double sx = (double) width / img.width();
            double sy = (double) height / img.height();
            List<BoundingBox> out = new ArrayList<>();
            for (BoundingBox b : ex.boxes()) {
                out.add(new BoundingBox(b.x0() * sx, b.y0() * sy, b.x1() * sx, b.y1() * sy, b.category()));
            }
            return new DetectionExample(interp.resize(img, height, width), out, ex.source());
        };
    }

    /** Left-right mirror with probability p; x0' = W - x1, x1' = W - x0. */
    public static DetectionTransform horizontalFlip(double p) {
        return (ex, rng) -> {
            if (rng.nextDouble() >= p) {
                return ex;
            }
            int w = ex.image().width();
            List<BoundingBox> out = new ArrayList<>();
            for (BoundingBox b : ex.boxes()) {
                out.add(new BoundingBox(w - b.x1(), b.y0(), w - b.x0(), b.y1(), b.category()));
            }
            return new DetectionExample(Transforms.flip(ex.image()), out, ex.source());
        };
    }

    /**
     * The h x w window at (top, left): boxes shift by (-left, -top) and are clipped to the window;
     * a box that keeps less than {@code minVisible} of its area is dropped (0: only boxes left empty).
     */
    public static DetectionExample crop(DetectionExample ex, int top, int left, int h, int w, double minVisible) {
        List<BoundingBox> out = new ArrayList<>();
        for (BoundingBox b : ex.boxes()) {
            double x0 = Math.max(b.x0() - left, 0);
            double y0 = Math.max(b.y0() - top, 0);
            double x1 = Math.min(b.x1() - left, w);
            double y1 = Math.min(b.y1() - top, h);
            if (x1 <= x0 || y1 <= y0) {
                continue;
            }
            double kept = (x1 - x0) * (y1 - y0) / Math.max(b.area(), Double.MIN_VALUE);
            if (kept >= minVisible) {
                out.add(new BoundingBox(x0, y0, x1, y1, b.category()));
            }
        }
        return new DetectionExample(Transforms.crop(ex.image(), top, left, h, w), out, ex.source());
    }

    /** A random window whose sides are a share in [minSide, 1] of the image's, placed uniformly; see {@link #crop}. */
    public static DetectionTransform randomCrop(double minSide, double minVisible) {
        if (!(minSide > 0 && minSide <= 1)) {
            throw new IllegalArgumentException("minSide must be in (0, 1], got " + minSide);
        }
        return (ex, rng) -> {
            Image img = ex.image();
            int h = Math.max(1, (int) Math.round(img.height() * (minSide + rng.nextDouble() * (1 - minSide))));
            int w = Math.max(1, (int) Math.round(img.width() * (minSide + rng.nextDouble() * (1 - minSide))));
            return crop(ex, rng.nextInt(img.height() - h + 1), rng.nextInt(img.width() - w + 1), h, w, minVisible);
        };
    }
}
