package dev.maejvm.vit.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-sample random masking by argsort of noise, as the official {@code random_masking}:
 * {@code idsShuffle = argsort(noise)} (ascending: small noise is kept), {@code idsRestore =
 * argsort(idsShuffle)}, keep the first {@code int(L * (1 - ratio))}. Convention: mask 0 = keep,
 * 1 = remove, in the original patch order.
 *
 * @param idsKeep [N][K] kept patch indices, in shuffle order
 * @param idsRestore [N][L] position of each patch in the shuffled order
 * @param numPatches L
 */
public record Masking(int[][] idsKeep, int[][] idsRestore, int numPatches) {

    /** From given noise [N][L] (HuggingFace ViTMAE's {@code noise} argument). */
    public static Masking fromNoise(double[][] noise, double maskRatio) {
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("maskRatio must be in [0, 1), got " + maskRatio);
        }
        int n = noise.length;
        int l = noise[0].length;
        int keep = lenKeep(l, maskRatio);
        if (keep < 1) {
            throw new IllegalArgumentException(keepsNothing(l, maskRatio));
        }
        int[][] idsKeep = new int[n][];
        int[][] idsRestore = new int[n][l];
        for (int s = 0; s < n; s++) {
            double[] row = noise[s];
            if (row.length != l) {
                throw new IllegalArgumentException("noise rows must all have " + l + " entries");
            }
            Integer[] order = new Integer[l];
            for (int i = 0; i < l; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble(i -> row[i]));    // ids_shuffle (stable)
            for (int pos = 0; pos < l; pos++) {
                idsRestore[s][order[pos]] = pos;
            }
            idsKeep[s] = new int[keep];
            for (int k = 0; k < keep; k++) {
                idsKeep[s][k] = order[k];
            }
        }
        return new Masking(idsKeep, idsRestore, l);
    }

    /** Noise uniform in [0, 1) from the given source (never a global one). */
    public static Masking random(int n, int numPatches, double maskRatio, RandomGenerator rng) {
        double[][] noise = new double[n][numPatches];
        for (double[] row : noise) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rng.nextDouble();
            }
        }
        return fromNoise(noise, maskRatio);
    }

    /** Keeps every patch, in order (no masking: fine-tuning, or ratio 0). */
    public static Masking none(int n, int numPatches) {
        double[][] noise = new double[n][numPatches];
        for (double[] row : noise) {
            for (int i = 0; i < row.length; i++) {
                row[i] = i;
            }
        }
        return fromNoise(noise, 0);
    }

    /** int(L * (1 - ratio)): truncation, as the official code. */
    public static int lenKeep(int numPatches, double maskRatio) {
        return (int) (numPatches * (1 - maskRatio));
    }

    /** The error for a ratio that leaves no patch to encode, naming the field. */
    public static String keepsNothing(int numPatches, double maskRatio) {
        return "maskRatio " + maskRatio + " keeps int(" + numPatches + " * (1 - " + maskRatio
                + ")) = 0 of the " + numPatches + " patches; the encoder needs at least one (maskRatio <= "
                + (1 - 1.0 / numPatches) + ")";
    }

    public int batchSize() {
        return idsKeep.length;
    }

    /** K, the kept patches per sample. */
    public int lenKeep() {
        return idsKeep[0].length;
    }

    public boolean isKept(int sample, int patch) {
        return idsRestore[sample][patch] < lenKeep();
    }

    /** The mask [N, L] in patch order: 0 = keep, 1 = remove. */
    public INDArray mask(DataType dataType) {
        double[][] m = new double[batchSize()][numPatches];
        for (int s = 0; s < m.length; s++) {
            for (int p = 0; p < numPatches; p++) {
                m[s][p] = isKept(s, p) ? 0 : 1;
            }
        }
        return Nd4j.create(m).castTo(dataType);
    }
}
