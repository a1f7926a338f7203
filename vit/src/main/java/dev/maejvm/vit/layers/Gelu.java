package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ElementwiseKernels;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact GELU, y = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2, as torch.nn.GELU(), built
 * from erf (ND4J's own gelu is the sigmoid approximation and its preciseGelu is off by ~1 %).
 * The forward also forms the derivative Phi(x) + x phi(x) (phi the standard normal density), so
 * the backward is one product and the input need not be kept.
 */
public final class Gelu implements RowLayer {
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private final Scratch scratch;
    private final ActivationGuard guard;
    private INDArray dydx;
    private INDArray y;

    /** @param scratch the scope of its backward buffer, e.g. {@code blocks.mlp.act} */
    public Gelu(Scratch scratch) {
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    /**
     * @param x [M, H]
     * @return y [M, H], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        guard.forward(ctx);
        dydx = Kernels.ensure(dydx, x.dataType(), x.shape());
        y = Kernels.ensure(y, x.dataType(), x.shape());
        if (FusedKernels.applies(x, y, dydx)) {
            ElementwiseKernels.gelu(x, y, dydx);
            return y;
        }
        x.mul(x, dydx).muli(-0.5);
        Nd4j.exec(new Exp(dydx, dydx));
        dydx.muli(INV_SQRT_2PI).muli(x);                   // x phi(x)
        x.mul(INV_SQRT2, y);
        Nd4j.exec(new Erf(y, y));
        y.addi(1).muli(0.5);                               // Phi(x)
        dydx.addi(y);
        y.muli(x);
        return y;
    }

    /** dx = dy * (Phi(x) + x * phi(x)). */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        INDArray dx = scratch.get("dx", dy.dataType(), dy.shape());
        if (FusedKernels.applies(dy, dydx, dx)) {
            ElementwiseKernels.mul(dy, dydx, dx);
        } else {
            dy.mul(dydx, dx);
        }
        return dx;
    }
}
