package dev.maejvm.data.detection.scenes;

import dev.maejvm.data.detection.BoundingBox;

/**
 * An item placed on the canvas: its top-left pixel at ({@code left}, {@code top}) (may be negative:
 * the item's blank margin may stick out of the canvas, its box never does) and its box on the
 * canvas, pixel xyxy with integer edges (COCO bbox [x0, y0, x1 - x0, y1 - y0]), category = the
 * COCO category id (Fashion-MNIST label + 1).
 */
public record Placement(ScaledItem item, int left, int top, BoundingBox box) {
    /** Places {@code item} so that its box's top-left corner is at canvas pixel (x, y). */
    public static Placement at(ScaledItem item, int x, int y) {
        return new Placement(item, x - item.boxX0(), y - item.boxY0(),
                new BoundingBox(x, y, x + item.boxWidth(), y + item.boxHeight(), item.category() + 1));
    }

    /** The intersection of the two boxes over the smaller one's area, in [0, 1]. */
    public double overlap(Placement other) {
        BoundingBox a = box;
        BoundingBox b = other.box;
        double w = Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0());
        double h = Math.min(a.y1(), b.y1()) - Math.max(a.y0(), b.y0());
        if (w <= 0 || h <= 0) {
            return 0;
        }
        return w * h / Math.min(a.area(), b.area());
    }
}
