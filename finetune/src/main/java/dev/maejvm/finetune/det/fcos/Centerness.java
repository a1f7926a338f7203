package dev.maejvm.finetune.det.fcos;

/**
 * FCOS's centerness of a point for a box it lies in, from its edge distances:
 * {@code sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))} (detectron2
 * {@code compute_ctrness_targets}), 1 at the box centre, towards 0 at its edges. Invariant to
 * the scale of (l, t, r, b), so coded or pixel distances give the same value.
 */
public final class Centerness {
    private Centerness() {}

    /** @throws IllegalArgumentException unless all four distances are > 0 (the point strictly inside) */
    public static double of(double l, double t, double r, double b) {
        if (!(l > 0 && t > 0 && r > 0 && b > 0)) {
            throw new IllegalArgumentException("centerness needs a point strictly inside its box, got l, t, r, b = "
                    + l + ", " + t + ", " + r + ", " + b);
        }
        return Math.sqrt(Math.min(l, r) / Math.max(l, r) * (Math.min(t, b) / Math.max(t, b)));
    }
}
