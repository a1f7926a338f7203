package dev.maejvm.finetune.det.eval;

/**
 * One ground-truth object of a COCO annotations file: its {@code id}, {@code image_id},
 * {@code category_id}, {@code bbox: [x, y, w, h]} in pixels ((x, y) the top-left corner),
 * {@code area} in square pixels (the segment's area in COCO itself, not w * h; the area ranges
 * test this field, the IoU uses the box) and {@code iscrowd}. A crowd region is ignored: it
 * neither counts as an object to find nor makes a detection on it a false positive.
 */
public record CocoAnnotation(long id, long imageId, int categoryId, double x, double y, double w, double h, double area,
        boolean iscrowd) {
    public CocoAnnotation {
        if (!Double.isFinite(x) || !Double.isFinite(y) || !(w >= 0) || !(h >= 0) || w == Double.POSITIVE_INFINITY
                || h == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("annotation " + id + ": bbox [x, y, w, h] must be finite with w, h >= 0, got ["
                    + x + ", " + y + ", " + w + ", " + h + "]");
        }
        if (!(area >= 0) || area == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("annotation " + id + ": area must be finite and >= 0, got " + area);
        }
    }
}
