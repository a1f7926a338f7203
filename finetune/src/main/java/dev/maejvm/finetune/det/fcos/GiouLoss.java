package dev.maejvm.finetune.det.fcos;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The box loss of detectron2's FCOS ({@code _dense_box_regression_loss} with
 * {@code box_reg_loss_type="giou"}): fvcore's {@code giou_loss} ({@code eps = 1e-7},
 * {@code reduction="sum"}) between the decoded predictions and the matched ground-truth boxes
 * of the positive rows, divided by the normaliser. The predictions are decoded from the raw box
 * outputs by {@link BoxCoding#decode} (ReLU, times the stride when normalised, around the row's
 * point), and the gradient is w.r.t. those raw outputs (zero where a raw output is <= 0 and on
 * background rows).
 *
 * <p>Per positive row, boxes P (predicted) and G (ground truth), C their enclosing box:
 * {@code iou = |P ∩ G| / (|P ∪ G| + eps)}, {@code giou = iou - (|C| - |P ∪ G|) / (|C| + eps)},
 * loss {@code 1 - giou}. At ties of the min/max (edges that coincide) the gradient goes to the
 * ground truth, i.e. none to the prediction.
 */
public final class GiouLoss {
    /** fvcore's {@code giou_loss} eps. */
    public static final double EPS = 1e-7;

    private GiouLoss() {}

    /** {@link #forward(INDArray, FcosTargets, double, INDArray)} divided by {@code targets.normalizer()}. */
    public static double forward(INDArray boxRegression, FcosTargets targets, INDArray dBoxRegression) {
        return forward(boxRegression, targets, targets.normalizer(), dBoxRegression);
    }

    /**
     * @param boxRegression [R, 4] the raw box outputs (deltas l, t, r, b before the ReLU)
     * @param normalizer the divisor (> 0)
     * @param dBoxRegression [R, 4], overwritten with d loss / d boxRegression; null: the loss alone
     * @return the loss
     */
    public static double forward(INDArray boxRegression, FcosTargets targets, double normalizer, INDArray dBoxRegression) {
        HeadOutputs.checkNormalizer(normalizer);
        int r = targets.rows();
        double[] raw = HeadOutputs.read("boxRegression", boxRegression, r, 4);
        if (dBoxRegression != null) {
            HeadOutputs.check("dBoxRegression", dBoxRegression, r, 4);
        }
        double[] g = dBoxRegression == null ? null : new double[4 * r];
        AnchorPoints points = targets.points();
        BoxCoding coding = targets.coding();
        double[] gt = targets.boxesView();
        double[] p = new double[4];
        double[] dp = new double[4];
        double total = 0;
        for (int row : targets.positiveRowsView()) {
            int point = points.pointOf(row);
            double px = points.centerX(point);
            double py = points.centerY(point);
            double s = coding.scale(points.stride(point));
            coding.decode(px, py, points.stride(point), raw, 4 * row, p, 0);
            total += giouLoss(p, gt, 4 * row, g == null ? null : dp);
            if (g != null) {
                // P = (px - d0 s, py - d1 s, px + d2 s, py + d3 s), d = relu(raw)
                double[] sign = {-s, -s, s, s};
                for (int j = 0; j < 4; j++) {
                    g[4 * row + j] = raw[4 * row + j] > 0 ? dp[j] * sign[j] / normalizer : 0;
                }
            }
        }
        if (g != null) {
            HeadOutputs.write(dBoxRegression, g, r, 4);
        }
        return total / normalizer;
    }

    /**
     * {@code 1 - giou(P, G)} for P = {@code p[0..4)} and G = {@code gt[o..o+4)}, xyxy; with
     * {@code dp} non-null, d loss / d P written to it.
     */
    static double giouLoss(double[] p, double[] gt, int o, double[] dp) {
        double g0 = gt[o];
        double g1 = gt[o + 1];
        double g2 = gt[o + 2];
        double g3 = gt[o + 3];
        double ix1 = Math.max(p[0], g0);
        double iy1 = Math.max(p[1], g1);
        double ix2 = Math.min(p[2], g2);
        double iy2 = Math.min(p[3], g3);
        boolean overlap = ix2 > ix1 && iy2 > iy1;
        double iw = ix2 - ix1;
        double ih = iy2 - iy1;
        double inter = overlap ? iw * ih : 0;
        double pw = p[2] - p[0];
        double ph = p[3] - p[1];
        double union = pw * ph + (g2 - g0) * (g3 - g1) - inter;
        double iou = inter / (union + EPS);
        double cx1 = Math.min(p[0], g0);
        double cy1 = Math.min(p[1], g1);
        double cx2 = Math.max(p[2], g2);
        double cy2 = Math.max(p[3], g3);
        double cw = cx2 - cx1;
        double ch = cy2 - cy1;
        double areaC = cw * ch;
        double giou = iou - (areaC - union) / (areaC + EPS);
        if (dp != null) {
            double dGiou = -1;
            double dIou = dGiou;
            double dUnion = dGiou / (areaC + EPS) - dIou * inter / ((union + EPS) * (union + EPS));
            double dInter = dIou / (union + EPS) - dUnion;
            double dAreaC = -dGiou * (union + EPS) / ((areaC + EPS) * (areaC + EPS));
            // |P|
            dp[0] = -dUnion * ph;
            dp[2] = dUnion * ph;
            dp[1] = -dUnion * pw;
            dp[3] = dUnion * pw;
            if (overlap) {
                if (p[0] > g0) {
                    dp[0] -= dInter * ih;
                }
                if (p[2] < g2) {
                    dp[2] += dInter * ih;
                }
                if (p[1] > g1) {
                    dp[1] -= dInter * iw;
                }
                if (p[3] < g3) {
                    dp[3] += dInter * iw;
                }
            }
            if (p[0] < g0) {
                dp[0] -= dAreaC * ch;
            }
            if (p[2] > g2) {
                dp[2] += dAreaC * ch;
            }
            if (p[1] < g1) {
                dp[1] -= dAreaC * cw;
            }
            if (p[3] > g3) {
                dp[3] += dAreaC * cw;
            }
        }
        return 1 - giou;
    }
}
