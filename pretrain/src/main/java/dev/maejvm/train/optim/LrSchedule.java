package dev.maejvm.train.optim;

/**
 * The official MAE schedule ({@code util/lr_sched.py}), evaluated per iteration at the fractional
 * epoch e = epoch + step / stepsPerEpoch: linear warm-up lr * e / warmup for e < warmup, then
 * half-cycle cosine from lr down to minLr at the last epoch.
 *
 * @param lr the peak (actual) learning rate
 * @param minLr the floor
 * @param warmupEpochs warm-up length in epochs (may be fractional), >= 0
 * @param epochs total epochs, > warmupEpochs
 */
public record LrSchedule(double lr, double minLr, double warmupEpochs, double epochs) {

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
    }

    /** The learning rate at fractional epoch {@code e}. */
    public double at(double e) {
        if (e < warmupEpochs) {
            return lr * e / warmupEpochs;
        }
        if (epochs <= warmupEpochs) {
            return lr;
        }
        double progress = Math.min(1.0, (e - warmupEpochs) / (epochs - warmupEpochs));
        return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
