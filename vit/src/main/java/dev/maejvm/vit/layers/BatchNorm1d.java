package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation over the rows of [N, D], as torch.nn.BatchNorm1d(D, eps, momentum 0.1,
 * affine, track_running_stats): each of the D features is normalised over the N rows of the
 * batch. The linear probe of the official MAE ({@code main_linprobe.py}) puts
 * {@code BatchNorm1d(D, affine=False, eps=1e-6)} in front of its head.
 *
 * <ul>
 *   <li>Training ({@code ctx.training()}): y = (x - mean) / sqrt(var + eps) * weight + bias with the
 *       batch mean and the biased batch variance; then, as torch, running_mean = 0.9 running_mean
 *       + 0.1 mean and running_var = 0.9 running_var + 0.1 var * N / (N - 1) (the unbiased
 *       variance), and num_batches_tracked + 1. Needs N >= 2. The backward goes through the batch
 *       statistics.
 *   <li>Evaluation: the same formula with running_mean and running_var; nothing is updated.
 * </ul>
 *
 * <p>Buffers, torch's names: {@code <name>.running_mean} [D] (0 at start), {@code <name>.running_var}
 * [D] (1 at start), both in the store's type, and {@code <name>.num_batches_tracked}, an int64
 * scalar as torch's; all loaded from weight files (non-formula). With {@code affine} the
 * parameters {@code <name>.weight} [D] (1) and {@code <name>.bias} [D] (0). Computes in the input's
 * type with ND4J ops (no fused kernel: a probe's [N, D] is small).
 */
public final class BatchNorm1d implements RowLayer {
    /** torch's default momentum of the running statistics. */
    public static final double MOMENTUM = 0.1;
    /** The eps of the official linear probe's BatchNorm1d. */
    public static final double LINPROBE_EPS = 1e-6;

    private final String name;
    private final long dim;
    private final double eps;
    private final Param weight;          // null unless affine
    private final Param bias;
    private final INDArray runningMean;  // [D]
    private final INDArray runningVar;   // [D]
    private final INDArray numBatchesTracked;   // [], int64
    private final Scratch scratch;
    private final ActivationGuard guard;
    private INDArray xhat;               // [N, D], kept for backward
    private INDArray rstd;               // [D], 1 / sqrt(var + eps) of the last forward
    private INDArray stat;               // [D], a column statistic
    private INDArray y;                  // [N, D]

    /** A batch norm with buffers of its own. */
    public BatchNorm1d(ParamStore store, String name, long dim, double eps, boolean affine) {
        this(store, name, dim, eps, affine, Scratch.own(name));
    }

    /**
     * @param name the prefix of its parameters and buffers, e.g. {@code head.0} as in the official probe's
     *     {@code head = Sequential(BatchNorm1d, Linear)}
     * @param dim D, the number of features
     * @param eps added to the variance, > 0
     * @param affine whether it has a learned weight and bias
     * @param scratch the scope of its backward buffers
     */
    public BatchNorm1d(ParamStore store, String name, long dim, double eps, boolean affine, Scratch scratch) {
        if (dim < 1 || !(eps > 0)) {
            throw new IllegalArgumentException(name + ": BatchNorm1d needs dim >= 1 and eps > 0, got " + dim + ", " + eps);
        }
        this.name = name;
        this.dim = dim;
        this.eps = eps;
        this.weight = affine ? store.register(name + ".weight", new long[] {dim}, Init.ONES) : null;
        this.bias = affine ? store.register(name + ".bias", new long[] {dim}, Init.ZEROS) : null;
        this.runningMean = store.registerBuffer(name + ".running_mean", Nd4j.zeros(store.dataType(), dim), false);
        this.runningVar = store.registerBuffer(name + ".running_var", Nd4j.ones(store.dataType(), dim), false);
        this.numBatchesTracked = store.registerBuffer(name + ".num_batches_tracked", Nd4j.scalar(0L), false);
        this.scratch = scratch;
        this.guard = new ActivationGuard(name);
    }

    public boolean affine() {
        return weight != null;
    }

    /** The running mean [D] (live: the store's buffer). */
    public INDArray runningMean() {
        return runningMean;
    }

    /** The running (unbiased) variance [D] (live: the store's buffer). */
    public INDArray runningVar() {
        return runningVar;
    }

    /** Training forwards so far (with the count in a loaded file). */
    public long numBatchesTracked() {
        return numBatchesTracked.getLong(0);
    }

    /**
     * @param x [N, D], of the store's type; N >= 2 in training
     * @return y [N, D], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        if (x.rank() != 2 || x.size(1) != dim || x.dataType() != runningMean.dataType()) {
            throw new IllegalArgumentException(name + ": expected [N, " + dim + "] of " + runningMean.dataType() + ", got "
                    + java.util.Arrays.toString(x.shape()) + " of " + x.dataType());
        }
        long n = x.size(0);
        if (ctx.training() && n < 2) {                     // torch: "Expected more than 1 value per channel when training"
            throw new IllegalArgumentException(name + ": a training batch needs more than 1 row per feature, got " + n);
        }
        guard.forward(ctx);
        DataType dt = x.dataType();
        xhat = Kernels.ensure(xhat, dt, n, dim);
        y = Kernels.ensure(y, dt, n, dim);
        rstd = Kernels.ensure(rstd, dt, dim);
        stat = Kernels.ensure(stat, dt, dim);
        if (ctx.training()) {
            x.mean(stat, 0);                                           // batch mean [D]
            Nd4j.exec(new BroadcastSubOp(x, stat, xhat, 1));           // x - mean
            runningMean.muli(1 - MOMENTUM).addi(stat.mul(MOMENTUM));
            xhat.mul(xhat, y);                                         // (x - mean)^2, y as scratch
            y.mean(stat, 0);                                           // biased batch variance [D]
            runningVar.muli(1 - MOMENTUM).addi(stat.mul(MOMENTUM * n / (n - 1)));   // with the unbiased one
            numBatchesTracked.addi(1);
        } else {
            Nd4j.exec(new BroadcastSubOp(x, runningMean, xhat, 1));    // x - running_mean
            stat.assign(runningVar);
        }
        stat.addi(eps);
        Nd4j.exec(new RSqrt(stat, rstd));                              // 1 / sqrt(var + eps) [D]
        Kernels.mulRow(xhat, rstd, xhat);                              // xhat [N, D]
        if (weight == null) {
            y.assign(xhat);
        } else {
            Kernels.mulRow(xhat, weight.value(), y);
            Kernels.addRow(y, bias.value(), y);
        }
        return y;
    }

    /**
     * The full gradient through the batch statistics, per feature over the N rows:
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight (dy without affine); adds
     * sum(dy * xhat) and sum(dy) to the weight's and bias's gradients when they train. Only after
     * a training forward (the guard throws otherwise).
     *
     * @param dy [N, D]
     * @return dx [N, D], in the scratch scope
     */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        long n = dy.size(0);
        DataType dt = dy.dataType();
        INDArray dx = scratch.get("dx", dt, n, dim);
        INDArray g = scratch.get("g", dt, n, dim);
        if (weight != null) {
            if (weight.trainable()) {
                dy.mul(xhat, g);
                weight.grad().addi(g.sum(0));                          // dweight += sum_rows dy * xhat
            }
            if (bias.trainable()) {
                bias.grad().addi(dy.sum(0));                           // dbias += sum_rows dy
            }
            Kernels.mulRow(dy, weight.value(), g);                     // g = dy * weight
        } else {
            g.assign(dy);
        }
        g.mul(xhat, dx);
        dx.mean(stat, 0);                                              // mean(g * xhat) [D]
        Kernels.mulRow(xhat, stat, dx);                                // xhat * mean(g * xhat)
        g.sub(dx, dx);
        g.mean(stat, 0);                                               // mean(g) [D]
        Nd4j.exec(new BroadcastSubOp(dx, stat, dx, 1));
        Kernels.mulRow(dx, rstd, dx);
        return dx;
    }
}
