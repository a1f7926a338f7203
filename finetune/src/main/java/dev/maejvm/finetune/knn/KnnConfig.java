package dev.maejvm.finetune.knn;

import dev.maejvm.vit.model.GlobalPool;

/**
 * The settings of a weighted k-NN evaluation, validated on construction; each failure names its
 * field. Defaults ({@link #defaults()}): k 20 and temperature 0.07 as InstDisc and DINO's
 * {@code knn_classifier}, the cls token, batches of 64, every image of both sets.
 *
 * @param k neighbours that vote (a bank smaller than k: all of it votes, see {@link WeightedKnn})
 * @param temperature T of the weights exp(similarity / T)
 * @param pool how an image's tokens become its feature: {@link GlobalPool#TOKEN} the cls token
 *     after the encoder's final norm, {@link GlobalPool#AVG} the average of the patch tokens (at
 *     the encoder's output, also after its final norm: a pretrained MAE has no {@code fc_norm})
 * @param batchSize images per encoder pass while extracting features
 * @param trainLimit at most this many train-bank images, evenly spaced over the set (0: all)
 * @param valLimit at most this many validation images, evenly spaced over the set (0: all)
 */
public record KnnConfig(int k, double temperature, GlobalPool pool, int batchSize, int trainLimit, int valLimit) {
    public static final int DEFAULT_K = 20;
    public static final double DEFAULT_TEMPERATURE = 0.07;
    public static final int DEFAULT_BATCH_SIZE = 64;

    public KnnConfig {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 and finite, got " + temperature);
        }
        if (pool == null) {
            throw new IllegalArgumentException("pool must be given (TOKEN or AVG)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (trainLimit < 0) {
            throw new IllegalArgumentException("trainLimit must be >= 0 (0: all images), got " + trainLimit);
        }
        if (valLimit < 0) {
            throw new IllegalArgumentException("valLimit must be >= 0 (0: all images), got " + valLimit);
        }
    }

    /** k 20, T 0.07, the cls token, batches of 64, all images. */
    public static KnnConfig defaults() {
        return new KnnConfig(DEFAULT_K, DEFAULT_TEMPERATURE, GlobalPool.TOKEN, DEFAULT_BATCH_SIZE, 0, 0);
    }

    public KnnConfig withBatchSize(int batchSize) {
        return new KnnConfig(k, temperature, pool, batchSize, trainLimit, valLimit);
    }
}
