package dev.maejvm.finetune.det.eval;

/**
 * cocoeval's area ranges ({@code Params.areaRng} and {@code areaRngLbl}), in this order, in
 * square pixels. Both bounds are inside: an object is out of range when
 * {@code area < lo || area > hi}, as {@code evaluateImg} tests it.
 */
public enum AreaRange {
    ALL("all", 0, 1e5 * 1e5),
    SMALL("small", 0, 32 * 32),
    MEDIUM("medium", 32 * 32, 96 * 96),
    LARGE("large", 96 * 96, 1e5 * 1e5);

    private final String label;
    private final double lo;
    private final double hi;

    AreaRange(String label, double lo, double hi) {
        this.label = label;
        this.lo = lo;
        this.hi = hi;
    }

    /** cocoeval's label: all, small, medium, large. */
    public String label() {
        return label;
    }

    /** @param area square pixels: a ground truth's {@code area} field, a detection's w * h */
    public boolean outside(double area) {
        return area < lo || area > hi;
    }
}
