package dev.maejvm.finetune.det.fcos;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The FCOS training objective, detectron2's {@code FCOS.losses}: the sum of the
 * {@link SigmoidFocalLoss} ({@code loss_fcos_cls}), the {@link GiouLoss} ({@code loss_fcos_loc})
 * and the {@link CenternessLoss} ({@code loss_fcos_ctr}), all three divided by one normaliser.
 *
 * @param focal the classification loss's alpha and gamma
 */
public record FcosLoss(SigmoidFocalLoss focal) {
    public FcosLoss {
        if (focal == null) {
            throw new IllegalArgumentException("focal must not be null");
        }
    }

    /** alpha 0.25, gamma 2. */
    public static FcosLoss detectron2() {
        return new FcosLoss(SigmoidFocalLoss.detectron2());
    }

    /** The three terms and their sum. */
    public record Terms(double classification, double boxRegression, double centerness) {
        public double total() {
            return classification + boxRegression + centerness;
        }
    }

    /**
     * All three losses over {@code normalizer} ({@link FcosTargets#normalizer()} = max(1, positives),
     * or {@link LossNormalizer#update}'s value for detectron2's EMA); each gradient may be null.
     *
     * @param logits [R, K], with {@code dLogits} [R, K]
     * @param boxRegression [R, 4], with {@code dBoxRegression} [R, 4]
     * @param centerness [R, 1], with {@code dCenterness} [R, 1]
     */
    public Terms forward(INDArray logits, INDArray boxRegression, INDArray centerness, FcosTargets targets, double normalizer,
            INDArray dLogits, INDArray dBoxRegression, INDArray dCenterness) {
        return new Terms(
                focal.forward(logits, targets, normalizer, dLogits),
                GiouLoss.forward(boxRegression, targets, normalizer, dBoxRegression),
                CenternessLoss.forward(centerness, targets, normalizer, dCenterness));
    }
}
