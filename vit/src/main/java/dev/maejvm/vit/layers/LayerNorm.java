package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer normalisation over the last dimension: y = (x - mean) / sqrt(var + eps) * weight + bias,
 * with the biased variance, as torch.nn.LayerNorm. MAE uses eps 1e-6; weight 1, bias 0.
 */
public final class LayerNorm {
    public static final double MAE_EPS = 1e-6;

    private final Param weight;
    private final Param bias;
    private final long dim;
    private final double eps;
    private final ScratchPool scratch;
    private final String role;
    private INDArray xhat;
    private INDArray rstd;
    private INDArray rowStat;
    private INDArray y;
    private INDArray ones;
    private INDArray dw2d;
    private INDArray db2d;

    public LayerNorm(ParamStore store, String name, long dim, double eps) {
        this.weight = store.register(name + ".weight", new long[] {dim}, Init.ONES, false);
        this.bias = store.register(name + ".bias", new long[] {dim}, Init.ZEROS, false);
        this.dim = dim;
        this.eps = eps;
        this.scratch = store.scratch();
        this.role = ScratchPool.role(name);
    }

    /**
     * @param x [M, D]
     * @return y [M, D], owned by this layer
     */
    public INDArray forward(INDArray x) {
        long m = x.size(0);
        var dt = x.dataType();
        xhat = Kernels.ensure(xhat, dt, m, dim);
        y = Kernels.ensure(y, dt, m, dim);
        rstd = Kernels.ensure(rstd, dt, m);
        rowStat = Kernels.ensure(rowStat, dt, m);
        if (FusedKernels.applies(x, xhat, y, rstd, weight.value(), bias.value())) {
            FusedKernels.layerNormForward(x, weight.value(), bias.value(), eps, xhat, rstd, y);
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
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight.
     *
     * @param dy [M, D]
     * @return dx [M, D], owned by this layer
     */
    public INDArray backward(INDArray dy) {
        long m = dy.size(0);
        var dt = dy.dataType();
        INDArray dx = scratch.get(role + ".dx", dt, m, dim);
        INDArray g = scratch.get(role + ".g", dt, m, dim);
        ones = Kernels.ensure(ones, dt, 1, m);
        if (ones.getDouble(0) != 1.0) {
            ones.assign(1);
        }
        if (FusedKernels.applies(dy, xhat, rstd, dx, weight.value(), weight.grad(), bias.grad())) {
            FusedKernels.layerNormBackward(dy, xhat, rstd, weight.value(), dx, weight.grad(), bias.grad());
            return dx;
        }
        if (dw2d == null) {
            dw2d = weight.grad().reshape('c', 1, dim);
            db2d = bias.grad().reshape('c', 1, dim);
        }
        dy.mul(xhat, g);
        Kernels.addColumnSums(ones, g, dw2d);              // dweight += sum_rows dy * xhat
        Kernels.addColumnSums(ones, dy, db2d);             // dbias += sum_rows dy
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
