package dev.maejvm.train.optim;

/**
 * The official MAE schedule ({@code util/lr_sched.py}), evaluated per iteration at the fractional
 * epoch e = epoch + step / stepsPerEpoch: linear warm-up lr * e / warmup for e < warmup, then
 * half-cycle cosine from lr down to minLr at the last epoch; or, with milestones, detectron2's
 * multi-step decay after the warm-up: lr * 0.1^(milestones passed), a milestone being a fraction
 * of the whole schedule.
 *
 * @param lr the peak (actual) learning rate
 * @param minLr the floor (of the cosine)
 * @param warmupEpochs warm-up length in epochs (may be fractional), >= 0
 * @param epochs total epochs, > warmupEpochs
 * @param milestones increasing fractions in (0, 1) of the schedule where the lr drops 10x; empty: cosine
 */
public record LrSchedule(double lr, double minLr, double warmupEpochs, double epochs, java.util.List<Double> milestones) {
    public static final double STEP_GAMMA = 0.1;

    /** The cosine schedule. */
    public LrSchedule(double lr, double minLr, double warmupEpochs, double epochs) {
        this(lr, minLr, warmupEpochs, epochs, java.util.List.of());
    }

    public LrSchedule {
        if (!(lr > 0)) {
            throw new IllegalArgumentException("lr must be positive, got " + lr);
        }
        if (!(minLr >= 0 && minLr <= lr)) {
            throw new IllegalArgumentException("minLr must be in [0, lr], got " + minLr);
        }
        if (!(warmupEpochs >= 0)) {
            throw new IllegalArgumentException("warmupEpochs must be >= 0, got " + warmupEpochs);
        }
        if (!(epochs > 0)) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        milestones = java.util.List.copyOf(milestones);
        for (int i = 0; i < milestones.size(); i++) {
            double m = milestones.get(i);
            if (!(m > 0 && m < 1) || (i > 0 && !(m > milestones.get(i - 1)))) {
                throw new IllegalArgumentException("milestones must be increasing fractions in (0, 1), got " + milestones);
            }
        }
    }

    /** The learning rate at fractional epoch {@code e}. */
    public double at(double e) {
        if (e < warmupEpochs) {
            return lr * e / warmupEpochs;
        }
        if (epochs <= warmupEpochs) {
            return lr;
        }
        if (!milestones.isEmpty()) {
            double scale = 1;
            for (double m : milestones) {
                if (e >= m * epochs) {
                    scale *= STEP_GAMMA;
                }
            }
            return lr * scale;
        }
        double progress = Math.min(1.0, (e - warmupEpochs) / (epochs - warmupEpochs));
        return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
