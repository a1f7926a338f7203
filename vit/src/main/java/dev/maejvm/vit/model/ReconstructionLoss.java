package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The official {@code forward_loss}: mean squared error per patch over its p*p*C values, then the
 * mean over removed patches only, {@code (loss * mask).sum() / mask.sum()}. With
 * {@code normPixLoss} the targets are per-patch normalised, (t - mean) / sqrt(var + 1e-6) with the
 * unbiased variance (PyTorch's default). With nothing removed (mask ratio 0) the official loss is
 * 0/0; here it then averages over all patches, a plain autoencoder loss.
 */
public final class ReconstructionLoss {
    public static final double NORM_PIX_EPS = 1e-6;

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
            rowStat = Kernels.ensure(rowStat, imgs.dataType(), rows);
            diff = Kernels.ensure(diff, imgs.dataType(), rows, p);
            target.mean(rowStat, 1);
            Kernels.subColumn(target, rowStat, target);
            target.mul(target, diff);
            diff.sum(rowStat, 1);
            rowStat.divi(p - 1).addi(NORM_PIX_EPS);           // unbiased variance + eps
            Nd4j.exec(new RSqrt(rowStat, rowStat));
            Kernels.mulColumn(target, rowStat, target);
        }
        return target;
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
