package dev.maejvm.train.optim;

/**
 * AdamW hyper-parameters; the defaults are MAE pretraining's (betas 0.9, 0.95; weight decay 0.05).
 *
 * @param beta1 first-moment decay, in [0, 1)
 * @param beta2 second-moment decay, in [0, 1)
 * @param eps added to the denominator (torch's 1e-8)
 * @param weightDecay decoupled weight decay coefficient, >= 0
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) {
    public static final AdamWConfig MAE_PRETRAIN = new AdamWConfig(0.9, 0.95, 1e-8, 0.05);

    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be positive, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
    }
}
