package dev.maejvm.experiments.cli;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.World;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training command's place in a data-parallel job (docs/DISTRIBUTED.md): the group of ranks
 * ({@link World}: MPI under mpirun, else one process), this rank's part of each global batch,
 * and what only rank 0 does (printing, config.json, tracking, checkpoints, exports). The batch
 * size options are global: a batch of B over N ranks gives each rank a contiguous part of
 * floor(B / N) or ceil(B / N) images ({@link BatchSplit}), so the effective batch, the lr and the
 * data order do not depend on N.
 */
public record DataParallel(Collective group) {

    /** This process's group, MPI_Init-ed under a launcher. */
    public static DataParallel open() {
        return new DataParallel(World.get());
    }

    public boolean root() {
        return group.isRoot();
    }

    public boolean distributed() {
        return group.size() > 1;
    }

    public BatchSplit split() {
        return new BatchSplit(group.rank(), group.size());
    }

    /**
     * Refuses a global batch too small to give every rank an image.
     *
     * @param option the option that sets it, for the message
     */
    public void requireBatch(int globalBatch, String option) {
        if (globalBatch < group.size()) {
            throw new IllegalArgumentException(option + " " + globalBatch + " is the global batch, split over "
                    + group.size() + " ranks: it must be at least " + group.size());
        }
    }

    /** The tracked params with the job's shape added: worldSize and the per-rank batch range. */
    public Map<String, String> tracked(Map<String, String> params, int globalBatch) {
        Map<String, String> m = new LinkedHashMap<>(params);
        m.put("worldSize", String.valueOf(group.size()));
        BatchSplit first = new BatchSplit(0, group.size());
        BatchSplit last = new BatchSplit(group.size() - 1, group.size());
        int lo = Math.min(first.size(globalBatch), last.size(globalBatch));
        int hi = Math.max(first.size(globalBatch), last.size(globalBatch));
        m.put("perRankBatch", lo == hi ? String.valueOf(lo) : lo + "-" + hi);
        return m;
    }

    /** One line for the resolved-config print. */
    public String describe(int globalBatch) {
        if (!distributed()) {
            return "one process";
        }
        return group.size() + " ranks (" + group.describe() + "), global batch " + globalBatch + " split "
                + tracked(Map.of(), globalBatch).get("perRankBatch") + " per rank";
    }
}
