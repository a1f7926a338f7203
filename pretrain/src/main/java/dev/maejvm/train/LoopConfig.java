package dev.maejvm.train;

/**
 * The settings of the training loop every task shares, validated on construction.
 *
 * @param epochs training length in epochs
 * @param maxSteps stop after this many optimiser steps (0: no limit); the lr schedule then spans them
 * @param accumIter iterations per optimiser step (gradient accumulation; the loss and gradients are averaged)
 * @param lr the peak learning rate (already scaled: blr * effective batch / 256)
 * @param minLr the floor of the cosine schedule
 * @param warmupEpochs linear warm-up in epochs (fractions allowed)
 * @param clipGrad clip the global gradient norm to this (0: off)
 * @param checkpointEvery a checkpoint every this many epochs, and always at the end
 * @param seed seeds the training passes' random sources (with the iteration)
 * @param stepMilestones empty: cosine decay after the warm-up (MAE's); else step decay, the lr
 *     times 0.1 at each of these fractions of the schedule (detectron2's multi-step: 0.889, 0.963)
 */
public record LoopConfig(int epochs, long maxSteps, int accumIter, double lr, double minLr, double warmupEpochs,
                         double clipGrad, int checkpointEvery, long seed, java.util.List<Double> stepMilestones) {
    /** A loop with the cosine schedule. */
    public LoopConfig(int epochs, long maxSteps, int accumIter, double lr, double minLr, double warmupEpochs,
                      double clipGrad, int checkpointEvery, long seed) {
        this(epochs, maxSteps, accumIter, lr, minLr, warmupEpochs, clipGrad, checkpointEvery, seed, java.util.List.of());
    }

    public LoopConfig {
        stepMilestones = java.util.List.copyOf(stepMilestones);
        if (epochs < 1 || accumIter < 1 || checkpointEvery < 1) {
            throw new IllegalArgumentException("epochs, accumIter and checkpointEvery must be >= 1, got " + epochs + ", "
                    + accumIter + ", " + checkpointEvery);
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        if (!(lr > 0) || !(minLr >= 0) || !(warmupEpochs >= 0) || !(clipGrad >= 0)) {
            throw new IllegalArgumentException("lr must be > 0 and minLr, warmupEpochs, clipGrad >= 0, got " + lr + ", "
                    + minLr + ", " + warmupEpochs + ", " + clipGrad);
        }
    }

    /** The schedule spans the run: all epochs, or maxSteps when that comes first. */
    public double scheduleEpochs(int batchesPerEpoch) {
        if (maxSteps > 0) {
            return Math.min(epochs, (double) maxSteps * accumIter / batchesPerEpoch);
        }
        return epochs;
    }

    /** Optimiser steps the whole run takes with this many batches an epoch. */
    public long totalSteps(int batchesPerEpoch) {
        long all = (long) epochs * (batchesPerEpoch / accumIter);
        return maxSteps > 0 ? Math.min(all, maxSteps) : all;
    }
}
