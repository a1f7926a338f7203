package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.KernelPool;
import dev.maejvm.vit.engine.Kernels;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The official {@code forward_loss}: mean squared error per patch over its p*p*C values, then the
 * mean over removed patches only, {@code (loss * mask).sum() / mask.sum()}. With
 * {@code normPixLoss} the targets are per-patch normalised, (t - mean) / sqrt(var + 1e-6) with the
 * unbiased variance (PyTorch's default), the mean and variance taken in double so that a
 * constant patch gives exactly 0. With nothing removed (mask ratio 0) the official loss is
 * 0/0; here it then averages over all patches, a plain autoencoder loss.
 */
public final class ReconstructionLoss {
    public static final double NORM_PIX_EPS = 1e-6;
    /** Rows per task of the normalisation, at least: tiny rows (16 values) take tens of ns each. */
    private static final int MIN_ROWS_PER_TASK = 64;

    private final int patchSize;
    private final boolean normPix;
    private int n;
    private int l;
    private double denominator;
    private INDArray target;    // [N*L, P]
    private INDArray pred;      // [N*L, P]
    private INDArray diff;      // [N*L, P]
    private INDArray scratch;   // [N*L, P]
    private INDArray rowStat;   // [N*L]
    private INDArray weights;   // [N*L]: 1 where the loss counts
    private INDArray dPred;     // [N*(1+L), P]

    public ReconstructionLoss(int patchSize, boolean normPix) {
        this.patchSize = patchSize;
        this.normPix = normPix;
    }

    /** The targets: patchified pixels, per-patch normalised with normPixLoss. @return [N*L, P] */
    public INDArray targets(INDArray imgs) {
        long rows = imgs.size(0) * (imgs.size(2) / patchSize) * (imgs.size(3) / patchSize);
        long p = (long) patchSize * patchSize * imgs.size(1);
        target = Kernels.ensure(target, imgs.dataType(), rows, p);
        Patches.patchify(imgs, patchSize, target);
        if (normPix) {
            normalise(target);
        }
        return target;
    }

    /**
     * Each row in place: (t - mean) / sqrt(var + eps), the mean and the unbiased variance in
     * double, written back in the array's type. ND4J's float32 mean is a few ulps off for many
     * values, and with the variance ~0 the rstd of 1000 magnifies that: a constant patch of
     * Fashion-MNIST's background came out at up to 1.8e-4 instead of 0 (0.12 at 1000.3). In double
     * every partial sum of P copies of a float is exact (P < 2^29), so is the mean, and a constant
     * row gives exactly 0.
     */
    static void normalise(INDArray t) {
        int rows = Math.toIntExact(t.size(0));
        int p = Math.toIntExact(t.size(1));
        if (FusedKernels.applies(t)) {
            FloatBuffer b = t.data().asNioFloat();
            int off = Math.toIntExact(t.offset());
            int tasks = Math.max(1, Math.min(KernelPool.threads() * 4, rows / MIN_ROWS_PER_TASK));
            KernelPool.run(tasks, task -> {
                float[] row = new float[p];
                int end = (int) ((long) rows * (task + 1) / tasks);
                for (int r = (int) ((long) rows * task / tasks); r < end; r++) {
                    int o = off + r * p;
                    b.get(o, row, 0, p);
                    double mean = mean(row, p);
                    double rstd = rstd(row, p, mean);
                    for (int j = 0; j < p; j++) {
                        row[j] = (float) ((row[j] - mean) * rstd);
                    }
                    b.put(o, row, 0, p);
                }
            });
            return;
        }
        // float64 (gradient checks), other types, device memory: the same arithmetic on a copy
        double[][] m = t.toDoubleMatrix();
        for (double[] row : m) {
            double mean = mean(row, p);
            double rstd = rstd(row, p, mean);
            for (int j = 0; j < p; j++) {
                row[j] = (row[j] - mean) * rstd;
            }
        }
        t.assign(Nd4j.createFromArray(m));
    }

    // Four partial sums: one chain of dependent double adds ran at ~4 cycles a value. The float
    // and double versions do the same arithmetic, so both paths give the same values.

    private static double mean(float[] x, int p) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= p; j += 4) {
            s0 += x[j];
            s1 += x[j + 1];
            s2 += x[j + 2];
            s3 += x[j + 3];
        }
        for (; j < p; j++) {
            s0 += x[j];
        }
        return ((s0 + s1) + (s2 + s3)) / p;
    }

    private static double rstd(float[] x, int p, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= p; j += 4) {
            double d0 = x[j] - mean, d1 = x[j + 1] - mean, d2 = x[j + 2] - mean, d3 = x[j + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < p; j++) {
            double d = x[j] - mean;
            s0 += d * d;
        }
        return 1.0 / Math.sqrt(((s0 + s1) + (s2 + s3)) / (p - 1) + NORM_PIX_EPS);
    }

    private static double mean(double[] x, int p) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= p; j += 4) {
            s0 += x[j];
            s1 += x[j + 1];
            s2 += x[j + 2];
            s3 += x[j + 3];
        }
        for (; j < p; j++) {
            s0 += x[j];
        }
        return ((s0 + s1) + (s2 + s3)) / p;
    }

    private static double rstd(double[] x, int p, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= p; j += 4) {
            double d0 = x[j] - mean, d1 = x[j + 1] - mean, d2 = x[j + 2] - mean, d3 = x[j + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < p; j++) {
            double d = x[j] - mean;
            s0 += d * d;
        }
        return 1.0 / Math.sqrt(((s0 + s1) + (s2 + s3)) / (p - 1) + NORM_PIX_EPS);
    }

    /**
     * @param imgs [N, C, H, W]
     * @param predFull [N*(1+L), P] from the decoder (cls rows ignored)
     * @return the loss
     */
    public double forward(INDArray imgs, INDArray predFull, Masking masking) {
        DataType dt = predFull.dataType();
        n = masking.batchSize();
        l = masking.numPatches();
        long p = predFull.size(1);
        targets(imgs);
        pred = Kernels.ensure(pred, dt, (long) n * l, p);
        diff = Kernels.ensure(diff, dt, (long) n * l, p);
        scratch = Kernels.ensure(scratch, dt, (long) n * l, p);
        rowStat = Kernels.ensure(rowStat, dt, (long) n * l);
        pred.reshape('c', n, l, p).assign(predFull.reshape('c', n, 1 + l, p)
                .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + l), NDArrayIndex.all()));
        pred.sub(target, diff);
        INDArray mask = masking.mask(dt).reshape((long) n * l);
        double removed = mask.sumNumber().doubleValue();
        weights = removed > 0 ? mask : mask.rsub(1);
        denominator = removed > 0 ? removed : (double) n * l;
        diff.mul(diff, scratch);                                // squared error
        scratch.mean(rowStat, 1);                               // per-patch loss
        return rowStat.mul(weights).sumNumber().doubleValue() / denominator;
    }

    /** @return dLoss/dPred [N*(1+L), P] (zero on cls rows), owned by the loss */
    public INDArray backward() {
        long p = diff.size(1);
        dPred = Kernels.ensure(dPred, diff.dataType(), (long) n * (1 + l), p);
        Kernels.mulColumn(diff, weights, scratch);
        scratch.muli(2.0 / (p * denominator));
        dPred.reshape('c', n, 1 + l, p)
                .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + l), NDArrayIndex.all())
                .assign(scratch.reshape('c', n, l, p));
        return dPred;
    }

    /** The prediction of the last forward without the cls rows [N*L, P], owned by the loss. */
    public INDArray prediction() {
        return pred;
    }
}
