package dev.maejvm.pretrain.train;

import dev.maejvm.train.BatchSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small images with structure a masked autoencoder can learn: oriented sinusoidal gratings of
 * random frequency and phase. Deterministic per (seed, epoch, batch); a batch may be poisoned
 * with NaN to test the non-finite stop.
 */
final class SyntheticBatches implements BatchSource<INDArray> {
    private final int batches;
    private final int batchSize;
    private final int size;
    private final long seed;
    private final long nanAtIteration;

    SyntheticBatches(int batches, int batchSize, int size, long seed, long nanAtIteration) {
        this.batches = batches;
        this.batchSize = batchSize;
        this.size = size;
        this.seed = seed;
        this.nanAtIteration = nanAtIteration;
    }

    SyntheticBatches(int batches, int batchSize, int size, long seed) {
        this(batches, batchSize, size, seed, -1);
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    @Override
    public Iterator<INDArray> epoch(int epoch, int fromBatch) {
        List<INDArray> out = new ArrayList<>();
        for (int b = fromBatch; b < batches; b++) {
            out.add(batch(epoch, b));
        }
        return out.iterator();
    }

    INDArray batch(int epoch, int b) {
        SplittableRandom rng = new SplittableRandom(seed * 31 + epoch * 1009L + b);
        float[] px = new float[batchSize * size * size];
        for (int n = 0; n < batchSize; n++) {
            double fx = rng.nextDouble(0.1, 0.6);
            double fy = rng.nextDouble(0.1, 0.6);
            double phase = rng.nextDouble(0, 2 * Math.PI);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    px[(n * size + y) * size + x] = (float) Math.sin(fx * x + fy * y + phase);
                }
            }
        }
        if ((long) epoch * batches + b == nanAtIteration) {
            px[0] = Float.NaN;
        }
        return Nd4j.create(px, new long[] {batchSize, 1, size, size}, DataType.FLOAT);
    }

    @Override
    public String describe() {
        return "synthetic gratings " + batches + "x" + batchSize + " seed " + seed;
    }
}
