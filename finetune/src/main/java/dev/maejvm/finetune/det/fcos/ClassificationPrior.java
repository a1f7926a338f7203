package dev.maejvm.finetune.det.fcos;

/**
 * The initial bias of the classification logits (RetinaNet/FCOS): {@code -log((1 - pi) / pi)},
 * so every class starts at probability pi (0.01) and the focal loss of the many background points
 * does not swamp the first steps (detectron2 {@code RetinaNetHead}: {@code prior_prob = 0.01}).
 */
public final class ClassificationPrior {
    /** detectron2's {@code prior_prob}. */
    public static final double PRIOR_PROBABILITY = 0.01;

    private ClassificationPrior() {}

    /** {@code -log((1 - 0.01) / 0.01)} = -4.59512. */
    public static double bias() {
        return bias(PRIOR_PROBABILITY);
    }

    /** {@code -log((1 - pi) / pi)}, pi in (0, 1). */
    public static double bias(double priorProbability) {
        if (!(priorProbability > 0 && priorProbability < 1)) {
            throw new IllegalArgumentException("priorProbability must be in (0, 1), got " + priorProbability);
        }
        return -Math.log((1 - priorProbability) / priorProbability);
    }
}
