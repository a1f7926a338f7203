package dev.maejvm.train;

/**
 * Where a run stands; with the seed it determines everything random that follows (data order
 * and augmentation come from (seed, epoch), masking from (seed, iteration)).
 *
 * @param epoch the epoch in progress or next to run (0-based)
 * @param batchInEpoch iterations of that epoch already done
 * @param step optimiser steps done in all
 * @param runId the tracking run id, or null
 */
public record TrainState(int epoch, int batchInEpoch, long step, String runId) {
    public static TrainState fresh() {
        return new TrainState(0, 0, 0, null);
    }

    public TrainState withRunId(String id) {
        return new TrainState(epoch, batchInEpoch, step, id);
    }
}
