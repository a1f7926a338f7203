package dev.maejvm.finetune.det;

import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.fcos.ImageSize;
import java.util.Optional;

/**
 * Where an image lies in the detector's input at evaluation ({@link DetectionData#evaluationTransform}):
 * resized, the aspect kept, so that its longer side is the input size, to {@code resizedWidth} x
 * {@code resizedHeight} pixels at the top left, the rest padding. Detections are clipped to the
 * resized image (not the padded square, as detectron2 clips to the image size before padding) and
 * mapped back to the image's own pixels.
 *
 * @param width the image's width in its own pixels
 * @param height its height
 * @param resizedWidth its width in the input: round(width * f), f = input / max(width, height)
 * @param resizedHeight its height in the input
 */
public record EvalGeometry(int width, int height, int resizedWidth, int resizedHeight) {
    /** The geometry of an image of this size at the config's input size (the arithmetic of {@code ScaleJitter.resize} at scale 1). */
    public static EvalGeometry of(DetectConfig cfg, int width, int height) {
        int size = cfg.model().imgHeight();
        double f = Math.min((double) size / height, (double) size / width);
        return new EvalGeometry(width, height, (int) Math.max(1, Math.rint(width * f)), (int) Math.max(1, Math.rint(height * f)));
    }

    /** The area of the input the image covers, for the post-processing's clipping. */
    public ImageSize inInput() {
        return new ImageSize(resizedHeight, resizedWidth);
    }

    /**
     * A box in input pixels as a box in the image's pixels (per axis, the resize's exact ratio),
     * clipped to the image; empty when nothing of it is left.
     */
    public Optional<BoundingBox> toImage(BoundingBox b) {
        double sx = (double) resizedWidth / width;
        double sy = (double) resizedHeight / height;
        double x0 = clamp(b.x0() / sx, width);
        double y0 = clamp(b.y0() / sy, height);
        double x1 = clamp(b.x1() / sx, width);
        double y1 = clamp(b.y1() / sy, height);
        if (!(x1 > x0 && y1 > y0)) {
            return Optional.empty();
        }
        return Optional.of(new BoundingBox(x0, y0, x1, y1, b.category()));
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
