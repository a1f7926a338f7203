package dev.maejvm.data.detection;

/**
 * An object's box in pixel coordinates, xyxy: {@code x0 <= x < x1}, {@code y0 <= y < y1} (COCO's
 * [x, y, w, h] is x0 = x, x1 = x + w), and its category id as the annotation file gives it.
 */
public record BoundingBox(double x0, double y0, double x1, double y1, int category) {
    public BoundingBox {
        if (!(x1 >= x0) || !(y1 >= y0)) {
            throw new IllegalArgumentException("box must have x1 >= x0 and y1 >= y0, got [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]");
        }
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    public double area() {
        return width() * height();
    }
}
