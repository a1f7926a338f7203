package dev.maejvm.finetune.det.fcos;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The sigmoid focal loss (Lin et al.; fvcore's {@code sigmoid_focal_loss}, as detectron2's FCOS
 * calls it with {@code reduction="sum"}) over all rows and classes, one-hot targets from the
 * rows' classes (a background row is all zeros), divided by a normaliser:
 * {@code sum_{r,k} alpha_t (1 - p_t)^gamma * BCE(z_rk, t_rk) / normalizer} with
 * {@code p = sigmoid(z)}, {@code p_t = t p + (1 - t)(1 - p)}, {@code alpha_t = t alpha + (1 - t)(1 - alpha)}.
 *
 * <p>Gradient, with {@code u = +z} for t = 1 and {@code -z} for t = 0 (so {@code p_t = sigmoid(u)}):
 * {@code dL/du = -alpha_t sigmoid(-u)^gamma (gamma sigmoid(u) softplus(-u) + sigmoid(-u))}, and
 * {@code dL/dz = +-dL/du}. Computed in double.
 *
 * @param alpha the positives' weight in [0, 1] (0.25)
 * @param gamma the focusing exponent, >= 0 (2)
 */
public record SigmoidFocalLoss(double alpha, double gamma) {
    public SigmoidFocalLoss {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be finite and >= 0, got " + gamma);
        }
    }

    /** detectron2's FCOS: alpha 0.25, gamma 2. */
    public static SigmoidFocalLoss detectron2() {
        return new SigmoidFocalLoss(0.25, 2.0);
    }

    /** {@link #forward(INDArray, FcosTargets, double, INDArray)} divided by {@code targets.normalizer()} = max(1, positives). */
    public double forward(INDArray logits, FcosTargets targets, INDArray dLogits) {
        return forward(logits, targets, targets.normalizer(), dLogits);
    }

    /**
     * @param logits [R, K] the raw class outputs
     * @param targets the batch's targets (R rows, K classes)
     * @param normalizer the divisor (> 0)
     * @param dLogits [R, K], overwritten with d loss / d logits; null: the loss alone
     * @return the loss
     */
    public double forward(INDArray logits, FcosTargets targets, double normalizer, INDArray dLogits) {
        HeadOutputs.checkNormalizer(normalizer);
        int r = targets.rows();
        int k = targets.numClasses();
        double[] z = HeadOutputs.read("logits", logits, r, k);
        if (dLogits != null) {
            HeadOutputs.check("dLogits", dLogits, r, k);
        }
        double[] g = dLogits == null ? null : new double[r * k];
        int[] classes = targets.classesView();
        double total = 0;
        for (int i = 0; i < r; i++) {
            int c = classes[i];
            for (int j = 0; j < k; j++) {
                int o = i * k + j;
                boolean positive = j == c;
                double u = positive ? z[o] : -z[o];
                double at = positive ? alpha : 1 - alpha;
                // one exp for both: e = exp(-|u|), softplus(-u) = max(-u, 0) + log1p(e), sigmoid(-u) = q
                double e = Math.exp(-Math.abs(u));
                double sp = Math.max(-u, 0) + Math.log1p(e);
                double q = u >= 0 ? e / (1 + e) : 1 / (1 + e);
                double w = gamma == 2 ? q * q : gamma == 0 ? 1 : Math.pow(q, gamma);
                total += at * w * sp;
                if (g != null) {
                    double dU = -at * w * (gamma * (1 - q) * sp + q);
                    g[o] = (positive ? dU : -dU) / normalizer;
                }
            }
        }
        if (g != null) {
            HeadOutputs.write(dLogits, g, r, k);
        }
        return total / normalizer;
    }
}
