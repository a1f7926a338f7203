package dev.maejvm.data.detection;

import dev.maejvm.data.Image;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;
import java.util.ArrayList;
import java.util.List;

/**
 * Detection transforms: the pixels change as the image transforms do and every box moves with
 * them (pixel xyxy, so a box's edges are pixel edges: flipping maps x to W - x). Random ones draw
 * only from the generator they are given. Large-scale jitter (detectron2's ResizeScale +
 * FixedSizeCrop) is {@link ScaleJitter}.
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

    /** Left-right mirror with probability p (one draw); see {@link #flip}. */
    public static DetectionTransform horizontalFlip(double p) {
        return (ex, rng) -> rng.nextDouble() < p ? flip(ex) : ex;
    }

    /** Left-right mirror: x0' = W - x1, x1' = W - x0 (its own inverse). */
    public static DetectionExample flip(DetectionExample ex) {
        int w = ex.image().width();
        List<BoundingBox> out = new ArrayList<>();
        for (BoundingBox b : ex.boxes()) {
            out.add(new BoundingBox(w - b.x1(), b.y0(), w - b.x0(), b.y1(), b.category()));
        }
        return new DetectionExample(Transforms.flip(ex.image()), out, ex.source());
    }

    /**
     * To height x width by adding rows below and columns to the right, filled with {@code value}
     * (detectron2's FixedSizeCrop pads so); the image stays at the top-left, so the boxes do not
     * move. An image larger than the target on either side is an error (crop it first).
     */
    public static DetectionExample pad(DetectionExample ex, int height, int width, float value) {
        Image img = ex.image();
        if (img.height() > height || img.width() > width) {
            throw new IllegalArgumentException("cannot pad a " + img.height() + "x" + img.width() + " image to " + height + "x"
                    + width + " (" + ex.source() + ")");
        }
        if (img.height() == height && img.width() == width) {
            return ex;
        }
        int c = img.channels();
        float[] out = new float[c * height * width];
        java.util.Arrays.fill(out, value);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < img.height(); y++) {
                System.arraycopy(img.pixels(), (ch * img.height() + y) * img.width(), out, (ch * height + y) * width, img.width());
            }
        }
        return new DetectionExample(new Image(c, height, width, out), ex.boxes(), ex.source());
    }

    /** {@link #pad} as a transform. */
    public static DetectionTransform padTo(int height, int width, float value) {
        return (ex, rng) -> pad(ex, height, width, value);
    }

    /**
     * detectron2's FixedSizeCrop: an image larger than height x width on a side is cropped to it
     * there, at offset round(u * (side - target)) on each such axis with one uniform u for both (as
     * detectron2 draws it); boxes are clipped and dropped as by {@link #crop}; then the result is
     * padded to height x width with {@code padValue} (see {@link #pad}).
     */
    public static DetectionTransform fixedSizeCrop(int height, int width, float padValue, double minVisible) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("fixedSizeCrop needs a positive size, got " + height + "x" + width);
        }
        return (ex, rng) -> {
            Image img = ex.image();
            double u = rng.nextDouble();
            int h = Math.min(height, img.height());
            int w = Math.min(width, img.width());
            DetectionExample cut = ex;
            if (h < img.height() || w < img.width()) {
                int top = (int) Math.rint((img.height() - h) * u);
                int left = (int) Math.rint((img.width() - w) * u);
                cut = crop(ex, top, left, h, w, minVisible);
            }
            return pad(cut, height, width, padValue);
        };
    }

    /**
     * The h x w window at (top, left): boxes shift by (-left, -top) and are clipped to the window;
     * a box left without area (outside the window, or cut to a zero-width or zero-height sliver) is
     * dropped, and so is one that keeps less than {@code minVisible} of its area (0: only those left empty).
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
