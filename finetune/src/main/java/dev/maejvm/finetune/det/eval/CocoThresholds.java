package dev.maejvm.finetune.det.eval;

/**
 * cocoeval's detection parameters ({@code Params.setDetParams}): the ten IoU thresholds
 * {@code linspace(.5, .95, 10)}, the 101 recall points {@code linspace(0, 1, 101)} and the
 * detection limits 1, 10, 100, with numpy's linspace arithmetic so that the values are the same
 * doubles.
 */
public final class CocoThresholds {
    /** The detection limits per image and category, ascending; the last is the cut made before matching. */
    public static final int[] MAX_DETS = {1, 10, 100};

    private static final double[] IOU = linspace(0.5, 0.95, 10);
    private static final double[] RECALL = linspace(0.0, 1.0, 101);

    private CocoThresholds() {
    }

    /** The IoU thresholds .50, .55, ..., .95 (a copy). */
    public static double[] iou() {
        return IOU.clone();
    }

    /** The recall points 0, .01, ..., 1 (a copy). */
    public static double[] recall() {
        return RECALL.clone();
    }

    /** The index of an IoU threshold given exactly (.5, .75), as {@code np.where(iouThr == p.iouThrs)}; -1 if none. */
    public static int iouIndex(double threshold) {
        for (int t = 0; t < IOU.length; t++) {
            if (IOU[t] == threshold) {
                return t;
            }
        }
        return -1;
    }

    /** numpy's {@code linspace(start, stop, num, endpoint=True)} for num > 1: {@code i * step + start}, the last exactly stop. */
    static double[] linspace(double start, double stop, int num) {
        double step = (stop - start) / (num - 1);
        double[] y = new double[num];
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }
}
