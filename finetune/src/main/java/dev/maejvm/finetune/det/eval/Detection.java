package dev.maejvm.finetune.det.eval;

import dev.maejvm.data.detection.BoundingBox;

/**
 * One detection in COCO's results format: {@code {image_id, category_id, bbox: [x, y, w, h], score}},
 * the box in pixels with (x, y) its top-left corner and w, h its width and height.
 */
public record Detection(long imageId, int categoryId, double x, double y, double w, double h, double score) {
    public Detection {
        if (!Double.isFinite(x) || !Double.isFinite(y) || !(w >= 0) || !(h >= 0) || w == Double.POSITIVE_INFINITY
                || h == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("detection on image " + imageId + ", category " + categoryId
                    + ": bbox [x, y, w, h] must be finite with w, h >= 0, got [" + x + ", " + y + ", " + w + ", " + h + "]");
        }
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("detection on image " + imageId + ", category " + categoryId
                    + ": score must be finite, got " + score);
        }
    }

    /** A detection from the data pipeline's xyxy box (pixels); its category is the box's. */
    public static Detection of(long imageId, BoundingBox box, double score) {
        return new Detection(imageId, box.category(), box.x0(), box.y0(), box.width(), box.height(), score);
    }

    /** w * h, square pixels: the area cocoeval's loadRes gives a result and its area ranges test. */
    public double area() {
        return w * h;
    }
}
