package dev.maejvm.finetune.det.fcos;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The centerness loss of detectron2's FCOS: {@code binary_cross_entropy_with_logits} of the
 * positive rows' centerness logits against their {@link Centerness} targets, summed and divided
 * by the same normaliser as the other two losses (detectron2 {@code ctrness_loss / normalizer}).
 * Background rows get no loss and a zero gradient. Per positive row:
 * {@code softplus(x) - t x}, gradient {@code (sigmoid(x) - t) / normalizer}. Computed in double.
 */
public final class CenternessLoss {
    private CenternessLoss() {}

    /** {@link #forward(INDArray, FcosTargets, double, INDArray)} divided by {@code targets.normalizer()}. */
    public static double forward(INDArray centerness, FcosTargets targets, INDArray dCenterness) {
        return forward(centerness, targets, targets.normalizer(), dCenterness);
    }

    /**
     * @param centerness [R, 1] the raw centerness outputs (logits)
     * @param normalizer the divisor (> 0)
     * @param dCenterness [R, 1], overwritten with d loss / d centerness; null: the loss alone
     * @return the loss
     */
    public static double forward(INDArray centerness, FcosTargets targets, double normalizer, INDArray dCenterness) {
        HeadOutputs.checkNormalizer(normalizer);
        int r = targets.rows();
        double[] x = HeadOutputs.read("centerness", centerness, r, 1);
        if (dCenterness != null) {
            HeadOutputs.check("dCenterness", dCenterness, r, 1);
        }
        double[] g = dCenterness == null ? null : new double[r];
        double[] t = targets.centernessView();
        double total = 0;
        for (int row : targets.positiveRowsView()) {
            total += HeadOutputs.softplus(x[row]) - t[row] * x[row];
            if (g != null) {
                g[row] = (HeadOutputs.sigmoid(x[row]) - t[row]) / normalizer;
            }
        }
        if (g != null) {
            HeadOutputs.write(dCenterness, g, r, 1);
        }
        return total / normalizer;
    }
}
