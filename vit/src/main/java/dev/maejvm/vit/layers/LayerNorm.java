package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.NormKernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer normalisation over the last dimension: y = (x - mean) / sqrt(var + eps) * weight + bias,
 * with the biased variance, as torch.nn.LayerNorm. MAE uses eps 1e-6; weight 1, bias 0. On
 * channels-last rows it is ViTDet's LayerNorm over channels.
 */
public final class LayerNorm implements RowLayer {
    public static final double MAE_EPS = 1e-6;

    private final Param weight;
    private final Param bias;
    private final long dim;
    private final double eps;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private INDArray xhat;
    private INDArray rstd;
    private INDArray rowStat;
    private INDArray y;
    private INDArray ones;

    /** A layer norm with buffers of its own. */
    public LayerNorm(ParamStore store, String name, long dim, double eps) {
        this(store, name, dim, eps, Scratch.own(name));
    }

    /** @param scratch the scope of its backward buffers */
    public LayerNorm(ParamStore store, String name, long dim, double eps, Scratch scratch) {
        this.weight = store.register(name + ".weight", new long[] {dim}, Init.ONES);
        this.bias = store.register(name + ".bias", new long[] {dim}, Init.ZEROS);
        this.dim = dim;
        this.eps = eps;
        this.scratch = scratch;
        this.guard = new ActivationGuard(name);
    }

    /**
     * @param x [M, D]
     * @return y [M, D], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        guard.forward(ctx);
        long m = x.size(0);
        var dt = x.dataType();
        xhat = Kernels.ensure(xhat, dt, m, dim);
        y = Kernels.ensure(y, dt, m, dim);
        rstd = Kernels.ensure(rstd, dt, m);
        rowStat = Kernels.ensure(rowStat, dt, m);
        if (FusedKernels.applies(x, xhat, y, rstd, weight.value(), bias.value())) {
            NormKernels.layerNormForward(x, weight.value(), bias.value(), eps, xhat, rstd, y);
            return y;
        }
        x.mean(rowStat, 1);
        Kernels.subColumn(x, rowStat, xhat);              // x - mean
        xhat.mul(xhat, y);                                 // (x - mean)^2, y as scratch
        y.mean(rowStat, 1);                                // biased variance
        rowStat.addi(eps);
        Nd4j.exec(new RSqrt(rowStat, rstd));               // 1 / sqrt(var + eps)
        Kernels.mulColumn(xhat, rstd, xhat);               // xhat
        Kernels.mulRow(xhat, weight.value(), y);
        Kernels.addRow(y, bias.value(), y);
        return y;
    }

    /**
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight; adds to the gradients of
     * weight and bias when they train.
     *
     * @param dy [M, D]
     * @return dx [M, D], in the scratch scope
     */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        long m = dy.size(0);
        var dt = dy.dataType();
        INDArray dx = scratch.get("dx", dt, m, dim);
        // a frozen weight or bias still has its sums formed (one fused pass); they go to a throw-away buffer
        INDArray dWeight = weight.trainable() ? weight.grad() : scratch.get("frozenGrad", dt, dim);
        INDArray dBias = bias.trainable() ? bias.grad() : scratch.get("frozenGrad", dt, dim);
        if (FusedKernels.applies(dy, xhat, rstd, dx, weight.value(), dWeight, dBias)) {
            NormKernels.layerNormBackward(dy, xhat, rstd, weight.value(), dx, dWeight, dBias);
            return dx;
        }
        INDArray g = scratch.get("g", dt, m, dim);
        ones = Kernels.ensure(ones, dt, 1, m);
        if (ones.getDouble(0) != 1.0) {
            ones.assign(1);
        }
        dy.mul(xhat, g);
        Kernels.addColumnSums(ones, g, dWeight.reshape('c', 1, dim));     // dweight += sum_rows dy * xhat
        Kernels.addColumnSums(ones, dy, dBias.reshape('c', 1, dim));      // dbias += sum_rows dy
        Kernels.mulRow(dy, weight.value(), g);             // g = dy * weight
        g.mul(xhat, dx);
        dx.mean(rowStat, 1);                               // mean(g * xhat)
        Kernels.mulColumn(xhat, rowStat, dx);              // xhat * mean(g * xhat)
        g.sub(dx, dx);
        g.mean(rowStat, 1);                                // mean(g)
        Kernels.subColumn(dx, rowStat, dx);
        Kernels.mulColumn(dx, rstd, dx);
        return dx;
    }
}
