package dev.maejvm.finetune.det.fcos;

/**
 * FCOS's box parameterisation, detectron2's {@code Box2BoxTransformLinear}: a box is coded at a
 * point (px, py) of stride s by its distances to the four edges, {@code (l, t, r, b) =
 * (px - x0, py - y0, x1 - px, y1 - py)}, divided by s when {@code normalizeByStride} (detectron2's
 * FCOS default, {@code normalize_by_size=True}; its head then has no learnable per-level scale).
 *
 * <p>Decoding applies a ReLU to the raw deltas first ({@code apply_deltas}: {@code F.relu(deltas)},
 * "ensure the output is a valid box"), so the network's box output is used raw and the gradient
 * w.r.t. it is the gradient w.r.t. the deltas masked by {@code raw > 0}.
 *
 * <p>Arrays: deltas and boxes are 4 consecutive doubles, deltas (l, t, r, b), boxes xyxy pixels.
 */
public final class BoxCoding {
    private final boolean normalizeByStride;

    public BoxCoding(boolean normalizeByStride) {
        this.normalizeByStride = normalizeByStride;
    }

    /** detectron2's FCOS coding: normalised by the stride. */
    public static BoxCoding detectron2() {
        return new BoxCoding(true);
    }

    public boolean normalizeByStride() {
        return normalizeByStride;
    }

    /** The scale from deltas to pixels at a point of {@code stride}: the stride, or 1. */
    public double scale(double stride) {
        return normalizeByStride ? stride : 1.0;
    }

    /**
     * {@code get_deltas}: the (l, t, r, b) of box {@code [x0, y0, x1, y1]} seen from (px, py),
     * written to {@code deltas[off..off+4)}. All positive when the point is inside the box.
     */
    public void encode(double px, double py, double stride, double x0, double y0, double x1, double y1, double[] deltas, int off) {
        double s = scale(stride);
        deltas[off] = (px - x0) / s;
        deltas[off + 1] = (py - y0) / s;
        deltas[off + 2] = (x1 - px) / s;
        deltas[off + 3] = (y1 - py) / s;
    }

    /**
     * {@code apply_deltas}: the xyxy box of raw deltas {@code raw[rOff..rOff+4)} at (px, py),
     * ReLU first, written to {@code box[bOff..bOff+4)}.
     */
    public void decode(double px, double py, double stride, double[] raw, int rOff, double[] box, int bOff) {
        double s = scale(stride);
        box[bOff] = px - Math.max(0, raw[rOff]) * s;
        box[bOff + 1] = py - Math.max(0, raw[rOff + 1]) * s;
        box[bOff + 2] = px + Math.max(0, raw[rOff + 2]) * s;
        box[bOff + 3] = py + Math.max(0, raw[rOff + 3]) * s;
    }
}
