package dev.maejvm.pretrain.train;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.train.BatchSource;
import java.util.Iterator;
import java.util.function.LongConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One rank's part of synthetic global batches: rows [split.from(B), split.to(B)) of each batch
 * of {@link SyntheticBatches}, as the loader's {@code split} delivers them; {@code beforeBatch}
 * sees each global iteration before its batch is handed out (the kill test kills a rank there).
 */
final class SplitBatches implements BatchSource<INDArray> {
    private final SyntheticBatches whole;
    private final int batchSize;
    private final BatchSplit split;
    private final LongConsumer beforeBatch;

    SplitBatches(SyntheticBatches whole, int batchSize, BatchSplit split, LongConsumer beforeBatch) {
        this.whole = whole;
        this.batchSize = batchSize;
        this.split = split;
        this.beforeBatch = beforeBatch;
    }

    @Override
    public int batchesPerEpoch() {
        return whole.batchesPerEpoch();
    }

    @Override
    public Iterator<INDArray> epoch(int epoch, int fromBatch) {
        return new Iterator<>() {
            int b = fromBatch;

            @Override
            public boolean hasNext() {
                return b < whole.batchesPerEpoch();
            }

            @Override
            public INDArray next() {
                beforeBatch.accept((long) epoch * whole.batchesPerEpoch() + b);
                INDArray all = whole.batch(epoch, b++);
                return all.get(NDArrayIndex.interval(split.from(batchSize), split.to(batchSize)), NDArrayIndex.all(),
                        NDArrayIndex.all(), NDArrayIndex.all()).dup();
            }
        };
    }

    @Override
    public String describe() {
        return whole.describe() + ", part " + split.rank() + " of " + split.worldSize();
    }
}
