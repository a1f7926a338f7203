package dev.maejvm.finetune.det.fcos;

import java.util.Arrays;

/**
 * The training targets of a batch, one per head row in {@link AnchorPoints}' (level, n, y, x)
 * order (R rows). Made by {@link FcosTargetAssigner}.
 *
 * <ul>
 *   <li>{@link #classes()} [R]: the class index in [0, K) of a positive row, {@link #BACKGROUND} otherwise;
 *   <li>{@link #boxes()} [R, 4]: the matched ground-truth box, xyxy pixels (zeros for background);
 *   <li>{@link #deltas()} [R, 4]: its (l, t, r, b) coded by {@link #coding()} (zeros for background);
 *   <li>{@link #centerness()} [R]: the centerness target of a positive row (0 for background).
 * </ul>
 */
public final class FcosTargets {
    /** The class of a background (negative) row. */
    public static final int BACKGROUND = -1;

    private final AnchorPoints points;
    private final BoxCoding coding;
    private final int numClasses;
    private final int[] classes;
    private final double[] boxes;
    private final double[] deltas;
    private final double[] centerness;
    private final int[] positiveRows;

    FcosTargets(AnchorPoints points, BoxCoding coding, int numClasses, int[] classes, double[] boxes, double[] deltas, double[] centerness) {
        this.points = points;
        this.coding = coding;
        this.numClasses = numClasses;
        this.classes = classes;
        this.boxes = boxes;
        this.deltas = deltas;
        this.centerness = centerness;
        this.positiveRows = positives(classes);
    }

    private static int[] positives(int[] classes) {
        int n = 0;
        for (int c : classes) {
            if (c != BACKGROUND) {
                n++;
            }
        }
        int[] rows = new int[n];
        int k = 0;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] != BACKGROUND) {
                rows[k++] = i;
            }
        }
        return rows;
    }

    public AnchorPoints points() {
        return points;
    }

    /** The coding of {@link #deltas()}; the box loss decodes predictions with it. */
    public BoxCoding coding() {
        return coding;
    }

    /** K. */
    public int numClasses() {
        return numClasses;
    }

    /** R. */
    public int rows() {
        return classes.length;
    }

    /** The number of positive rows of the batch. */
    public int numPositives() {
        return positiveRows.length;
    }

    /**
     * The losses' default normaliser, {@code max(1, numPositives)} (Detectron1/the FCOS paper;
     * detectron2 divides by an EMA of it instead, see {@link LossNormalizer}).
     */
    public double normalizer() {
        return Math.max(1, positiveRows.length);
    }

    /** The positive rows, ascending: [numPositives]. A copy. */
    public int[] positiveRows() {
        return positiveRows.clone();
    }

    /** [R], a copy. */
    public int[] classes() {
        return classes.clone();
    }

    /** [R, 4] flattened, a copy. */
    public double[] boxes() {
        return boxes.clone();
    }

    /** [R, 4] flattened, a copy. */
    public double[] deltas() {
        return deltas.clone();
    }

    /** [R], a copy. */
    public double[] centerness() {
        return centerness.clone();
    }

    public int classOf(int row) {
        return classes[row];
    }

    /** The matched box of {@code row}: {x0, y0, x1, y1}. */
    public double[] boxOf(int row) {
        return Arrays.copyOfRange(boxes, 4 * row, 4 * row + 4);
    }

    /** The coded (l, t, r, b) of {@code row}. */
    public double[] deltasOf(int row) {
        return Arrays.copyOfRange(deltas, 4 * row, 4 * row + 4);
    }

    public double centernessOf(int row) {
        return centerness[row];
    }

    // Unshared views for the losses (not copied each step).
    int[] positiveRowsView() {
        return positiveRows;
    }

    int[] classesView() {
        return classes;
    }

    double[] boxesView() {
        return boxes;
    }

    double[] centernessView() {
        return centerness;
    }
}
