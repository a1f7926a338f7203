package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ElementwiseKernels;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * y = max(x, 0), as torch.nn.ReLU (the FCOS head towers). The backward passes dy where the
 * output is positive and 0 elsewhere (at x = 0 too, as torch's threshold_backward); it reads the
 * kept output, so the input need not be kept.
 */
public final class ReLU implements RowLayer {
    private final Scratch scratch;
    private final ActivationGuard guard;
    private INDArray y;

    /** @param scratch the scope of its backward buffer */
    public ReLU(Scratch scratch) {
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    /**
     * @param x [M, K]
     * @return y [M, K], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        guard.forward(ctx);
        y = Kernels.ensure(y, x.dataType(), x.shape());
        if (FusedKernels.applies(x, y)) {
            ElementwiseKernels.relu(x, y);
        } else {
            y.assign(Transforms.relu(x, true));
        }
        return y;
    }

    /** dx = dy * (y > 0). */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        INDArray dx = scratch.get("dx", dy.dataType(), dy.shape());
        if (FusedKernels.applies(dy, y, dx)) {
            ElementwiseKernels.reluBackward(dy, y, dx);
        } else {
            dy.mul(y.gt(0).castTo(dy.dataType()), dx);
        }
        return dx;
    }
}
