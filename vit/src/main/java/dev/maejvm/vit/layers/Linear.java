package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = x W^T + b, as torch.nn.Linear: weight [out, in], bias [out]. Xavier-uniform weight and
 * zero bias (MAE's {@code _init_weights}).
 */
public final class Linear {
    private final Param weight;
    private final Param bias;
    private final long in;
    private final long out;
    private final ScratchPool scratch;
    private final String role;
    private final boolean sharedOutput;
    private INDArray w2d;
    private INDArray b2d;
    private INDArray dw2d;
    private INDArray db2d;
    private INDArray x;
    private INDArray y;
    private INDArray ones;

    public Linear(ParamStore store, String name, long in, long out) {
        this(store, name, in, out, false);
    }

    /**
     * @param sharedOutput true: the output lives in the store's scratch pool, shared with every
     *     layer of the same role (e.g. fc1 of all blocks), for outputs that the caller consumes
     *     before the next such layer runs and that no backward needs (DESIGN.md: only what
     *     backward needs is kept per block)
     */
    public Linear(ParamStore store, String name, long in, long out, boolean sharedOutput) {
        this(store.register(name + ".weight", new long[] {out, in}, new Init.XavierUniform(in, out), true),
                store.register(name + ".bias", new long[] {out}, Init.ZEROS, false), in, out, store.scratch(),
                sharedOutput);
    }

    /** A linear map over parameters declared elsewhere (the patch embedding's [D, C, p, p] weight). */
    public Linear(Param weight, Param bias, long in, long out, ScratchPool scratch) {
        this(weight, bias, in, out, scratch, false);
    }

    private Linear(Param weight, Param bias, long in, long out, ScratchPool scratch, boolean sharedOutput) {
        if (weight.length() != in * out || bias.length() != out) {
            throw new IllegalArgumentException("linear " + weight.name() + ": weight must hold [" + out + ", " + in
                    + "] and bias [" + out + "]");
        }
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
        this.scratch = scratch;
        this.role = ScratchPool.role(weight.name().substring(0, weight.name().length() - ".weight".length()));
        this.sharedOutput = sharedOutput;
    }

    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    /**
     * @param x [M, in], c-order
     * @return y [M, out], owned by this layer until its next forward (with a shared output: until
     *     the next forward of a layer of its role)
     */
    public INDArray forward(INDArray x) {
        long m = x.size(0);
        this.x = x;
        y = sharedOutput ? scratch.get(role + ".y", x.dataType(), m, out) : Kernels.ensure(y, x.dataType(), m, out);
        if (FusedKernels.applies(y, bias.value())) {
            FusedKernels.fillRows(y, bias.value());                // the gemm adds to it: no pass over y for the bias
            Kernels.matmul(x, w2d(), y, false, true, 1.0, 1.0);
        } else {
            Kernels.matmul(x, w2d(), y, false, true, 1.0, 0.0);
            Kernels.addRow(y, bias.value(), y);
        }
        return y;
    }

    /**
     * Adds dW = dy^T x and db = sum_rows dy to the gradients.
     *
     * @param dy [M, out]
     * @param needInputGrad false for the first layer, whose input needs no gradient
     * @return dx [M, in], owned by this layer, or null when not needed
     */
    public INDArray backward(INDArray dy, boolean needInputGrad) {
        long m = dy.size(0);
        Kernels.matmul(dy, x, dw2d(), true, false, 1.0, 1.0);
        if (FusedKernels.applies(dy, bias.grad())) {
            FusedKernels.addColumnSums(dy, bias.grad());
        } else {
            ones = Kernels.ensure(ones, dy.dataType(), 1, m);
            if (ones.getDouble(0) != 1.0) {
                ones.assign(1);
            }
            Kernels.addColumnSums(ones, dy, db2d());
        }
        if (!needInputGrad) {
            return null;
        }
        INDArray dx = scratch.get(role + ".dx", dy.dataType(), m, in);
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
