package dev.maejvm.pretrain.data;

import dev.maejvm.train.BatchSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The data of a pretraining run: augmented batches, fixed images to reconstruct, and the normalisation. */
public interface MaeData extends AutoCloseable {

    /** Augmented (random resized crop, flip) and normalised batches, dropping the last partial one. */
    BatchSource<INDArray> batches();

    /** The first n images without augmentation, normalised [n, C, H, W] (the per-epoch pictures). */
    INDArray samples(int n);

    /** Per-channel mean and std the images are normalised with. */
    float[] mean();

    float[] std();

    @Override
    void close();
}
