package dev.maejvm.finetune;

import dev.maejvm.data.Batch;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.train.BatchSource;
import java.util.Iterator;
import java.util.List;

/** A data loader as the training loop's source of batches (the loader lives in data-pipeline, which knows no training loop). */
public record LoaderSource(DataLoader loader) implements BatchSource<Batch> {
    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public Iterator<Batch> epoch(int epoch, int fromBatch) {
        return loader.epoch(epoch, fromBatch);
    }

    @Override
    public String describe() {
        return loader.dataset().describe();
    }

    @Override
    public List<String> skipped() {
        return loader.skipped();
    }
}
