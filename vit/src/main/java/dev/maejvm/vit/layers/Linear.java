package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.RowKernels;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.engine.ScratchPool;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = x W^T + b, as torch.nn.Linear: weight [out, in], bias [out] (or no bias). Xavier-uniform
 * weight and zero bias (MAE's {@code _init_weights}). On channels-last rows it is a 1x1
 * convolution.
 */
public final class Linear implements RowLayer {
    private final Param weight;
    private final Param bias;
    private final long in;
    private final long out;
    private final Scratch scratch;
    private final boolean sharedOutput;
    private final ActivationGuard guard;
    private INDArray w2d;
    private INDArray dw2d;
    private INDArray db2d;
    private INDArray x;
    private ScratchPool.Stamp xStamp = ScratchPool.Stamp.NONE;
    private INDArray y;
    private INDArray ones;

    /** A linear layer with its own parameters and buffers of its own. */
    public Linear(ParamStore store, String name, long in, long out) {
        this(store, name, in, out, Scratch.own(name), false);
    }

    /**
     * @param scratch the scope of its backward buffers (shared with the layers the model gives the same scope)
     * @param sharedOutput true: the output lives in the scratch scope too, for outputs that the
     *     caller consumes before the next layer of the scope runs and that no backward needs
     */
    public Linear(ParamStore store, String name, long in, long out, Scratch scratch, boolean sharedOutput) {
        this(store.register(name + ".weight", new long[] {out, in}, new Init.XavierUniform(in, out)),
                store.register(name + ".bias", new long[] {out}, Init.ZEROS), in, out, scratch, sharedOutput);
    }

    /**
     * A linear map over parameters declared elsewhere (the patch embedding's [D, C, p, p] weight).
     *
     * @param bias [out], or null for none
     */
    public Linear(Param weight, Param bias, long in, long out, Scratch scratch, boolean sharedOutput) {
        if (weight.length() != in * out || (bias != null && bias.length() != out)) {
            throw new IllegalArgumentException("linear " + weight.name() + ": weight must hold [" + out + ", " + in
                    + "] and bias [" + out + "]");
        }
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
        this.scratch = scratch;
        this.sharedOutput = sharedOutput;
        this.guard = new ActivationGuard(weight.name().replaceFirst("\\.weight$", ""));
    }

    public Param weight() {
        return weight;
    }

    /** The bias, or null. */
    public Param bias() {
        return bias;
    }

    /**
     * @param x [M, in], c-order; kept (not copied) for the backward
     * @return y [M, out], owned by this layer until its next forward (with a shared output: until
     *     the next forward of a layer of its scope)
     */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        guard.forward(ctx);
        long m = x.size(0);
        this.x = x;
        xStamp = ctx.training() ? scratch.stamp(x) : ScratchPool.Stamp.NONE;
        y = sharedOutput ? scratch.get("y", x.dataType(), m, out) : Kernels.ensure(y, x.dataType(), m, out);
        if (bias == null) {
            Kernels.matmul(x, w2d(), y, false, true, 1.0, 0.0);
        } else if (FusedKernels.applies(y, bias.value())) {
            RowKernels.fillRows(y, bias.value());                  // the gemm adds to it: no pass over y for the bias
            Kernels.matmul(x, w2d(), y, false, true, 1.0, 1.0);
        } else {
            Kernels.matmul(x, w2d(), y, false, true, 1.0, 0.0);
            Kernels.addRow(y, bias.value(), y);
        }
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    /**
     * Adds dW = dy^T x and db = sum_rows dy to the gradients of the parameters that train.
     *
     * @param dy [M, out]
     * @param needInputGrad false for the first layer, whose input needs no gradient
     * @return dx [M, in], in the scratch scope, or null when not needed
     */
    public INDArray backward(INDArray dy, boolean needInputGrad) {
        guard.backward();
        scratch.check(xStamp, guard.toString());
        long m = dy.size(0);
        if (weight.trainable()) {
            Kernels.matmul(dy, x, dw2d(), true, false, 1.0, 1.0);
        }
        if (bias != null && bias.trainable()) {
            if (FusedKernels.applies(dy, bias.grad())) {
                RowKernels.addColumnSums(dy, bias.grad());
            } else {
                ones = Kernels.ensure(ones, dy.dataType(), 1, m);
                if (ones.getDouble(0) != 1.0) {
                    ones.assign(1);
                }
                Kernels.addColumnSums(ones, dy, db2d());
            }
        }
        if (!needInputGrad) {
            return null;
        }
        INDArray dx = scratch.get("dx", dy.dataType(), m, in);
        Kernels.matmul(dy, w2d(), dx, false, false, 1.0, 0.0);
        return dx;
    }

    private INDArray w2d() {
        if (w2d == null) {
            w2d = weight.value().reshape('c', out, in);
        }
        return w2d;
    }

    private INDArray dw2d() {
        if (dw2d == null) {
            dw2d = weight.grad().reshape('c', out, in);
        }
        return dw2d;
    }

    private INDArray db2d() {
        if (db2d == null) {
            db2d = bias.grad().reshape('c', 1, out);
        }
        return db2d;
    }
}
