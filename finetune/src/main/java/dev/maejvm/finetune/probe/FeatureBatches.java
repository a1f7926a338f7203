package dev.maejvm.finetune.probe;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.train.BatchSource;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches of cached features [N, D] with their labels, shuffled per epoch by a permutation that
 * depends only on (seed, epoch), the last partial batch dropped: what a frozen encoder's probe
 * trains on. In data-parallel training each rank takes its part of every batch ({@link BatchSplit}).
 */
public final class FeatureBatches implements BatchSource<FeatureBatches.Batch> {

    /** @param features [B, D]; @param labels B labels */
    public record Batch(INDArray features, int[] labels) {}

    private final float[] features;
    private final int[] labels;
    private final int dim;
    private final int batchSize;
    private final long seed;
    private final String description;
    private final BatchSplit split;

    public FeatureBatches(INDArray features, int[] labels, int batchSize, long seed, String description) {
        this(features, labels, batchSize, seed, description, BatchSplit.WHOLE);
    }

    /** @param split this rank's rows of every batch of {@code batchSize} */
    public FeatureBatches(INDArray features, int[] labels, int batchSize, long seed, String description, BatchSplit split) {
        if (features.size(0) != labels.length) {
            throw new IllegalArgumentException(features.size(0) + " feature rows for " + labels.length + " labels");
        }
        if (labels.length < batchSize) {
            throw new IllegalArgumentException(description + ": " + labels.length + " examples, fewer than a batch of " + batchSize);
        }
        this.features = features.dup('c').data().asFloat();
        this.labels = labels;
        this.dim = (int) features.size(1);
        this.batchSize = batchSize;
        this.seed = seed;
        this.description = description;
        this.split = split;
    }

    @Override
    public int batchesPerEpoch() {
        return labels.length / batchSize;
    }

    @Override
    public Iterator<Batch> epoch(int epoch, int fromBatch) {
        int[] order = permutation(epoch);
        return new Iterator<>() {
            int next = fromBatch;

            @Override
            public boolean hasNext() {
                return next < batchesPerEpoch();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int from = split.from(batchSize);
                int n = split.size(batchSize);
                float[] x = new float[n * dim];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    int row = order[next * batchSize + from + i];
                    System.arraycopy(features, row * dim, x, i * dim, dim);
                    y[i] = labels[row];
                }
                next++;
                return new Batch(Nd4j.create(x, new long[] {n, dim}, 'c'), y);
            }
        };
    }

    /** Fisher-Yates from (seed, epoch). */
    int[] permutation(int epoch) {
        int[] p = new int[labels.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Override
    public String describe() {
        return description;
    }
}
