package dev.maejvm.train.optim;

/**
 * LARS hyper-parameters ({@link Lars}); the defaults are the official {@code util/lars.py}'s and
 * {@code main_linprobe.py}'s (momentum 0.9, trust coefficient 0.001, weight decay 0).
 *
 * @param momentum the momentum buffer's decay, in [0, 1)
 * @param trustCoefficient the layer-wise trust ratio's coefficient, > 0
 * @param weightDecay L2 weight decay added to the gradient of tensors with more than one dimension, >= 0
 */
public record LarsConfig(double momentum, double trustCoefficient, double weightDecay) {
    /** The official linear probe's LARS: {@code LARS(head.parameters(), lr, weight_decay=0)}. */
    public static final LarsConfig LINPROBE = new LarsConfig(0.9, 0.001, 0);

    public LarsConfig {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(trustCoefficient > 0 && Double.isFinite(trustCoefficient))) {
            throw new IllegalArgumentException("trustCoefficient must be positive and finite, got " + trustCoefficient);
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weightDecay must be >= 0 and finite, got " + weightDecay);
        }
    }
}
