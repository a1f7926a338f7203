package dev.maejvm.train;

import java.util.Iterator;

/**
 * Where a training loop gets its batches (images, or images with labels): a fixed number of batches per epoch, in an order that
 * depends only on (seed, epoch), so that a resumed run sees the same batches.
 */
public interface BatchSource<B> extends AutoCloseable {

    int batchesPerEpoch();

    /**
     * The batches of one epoch, starting at batch {@code fromBatch} (to resume mid-epoch).
     *
     * @return the batches (for MAE pretraining: images [B, C, H, W] float32, normalised)
     */
    Iterator<B> epoch(int epoch, int fromBatch);

    /** One line: what the data is (for logs and tracking). */
    String describe();

    /** Files skipped as unreadable so far (empty when none or not applicable). */
    default java.util.List<String> skipped() {
        return java.util.List.of();
    }

    @Override
    default void close() {}
}
