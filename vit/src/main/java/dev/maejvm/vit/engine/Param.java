package dev.maejvm.vit.engine;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One named parameter: a view into {@link ParamStore}'s flat value buffer and, when it trains,
 * a view into the store's flat gradient buffer. How an optimiser treats it (weight decay, lr
 * scale) is not the parameter's business: parameter groups decide that by name and shape. Whether
 * it trains is set on the store before the gradient buffer exists; a frozen parameter has no
 * gradient view, and the layers skip its gradient.
 */
public final class Param {
    private final String name;
    private final long[] shape;
    private final Init init;
    private boolean trainable = true;
    private long offset = -1;
    private long gradOffset = -1;
    private INDArray value;
    private volatile INDArray grad;
    private ParamStore store;

    Param(String name, long[] shape, Init init) {
        this.name = name;
        this.shape = shape.clone();
        this.init = init;
    }

    /** timm / official-MAE state-dict name, e.g. {@code blocks.3.attn.qkv.weight}. */
    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (the parameter-group rules exempt 1-D tensors from weight decay). */
    public int rank() {
        return shape.length;
    }

    public long length() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    public Init init() {
        return init;
    }

    /** Whether it trains: it then has a gradient and the optimiser updates it. */
    public boolean trainable() {
        return trainable;
    }

    /** Offset of this parameter in the flat value buffer. */
    public long offset() {
        return offset;
    }

    /** Offset of this parameter in the flat gradient buffer (and in an optimiser's moments), or -1 when frozen. */
    public long gradOffset() {
        return gradOffset;
    }

    /** The value, a view into the flat parameter buffer (writes go to the store). */
    public INDArray value() {
        if (value == null) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        return value;
    }

    /**
     * The gradient, a view into the flat gradient buffer (allocated on first use); backward passes
     * add to it. A frozen parameter has none: asking is a bug in the layer that asks.
     */
    public INDArray grad() {
        if (store == null) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        if (!trainable) {
            throw new IllegalStateException("parameter " + name + " is frozen: it has no gradient");
        }
        if (grad == null) {
            store.grads();                                  // allocates the buffer and binds every view
        }
        return grad;
    }

    /** This parameter's part of a flat [P] buffer laid out as the store's values, in its shape: a view. */
    public INDArray sliceOf(INDArray flat) {
        if (offset < 0) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        return slice(flat, offset);
    }

    /**
     * This parameter's part of a flat [G] buffer laid out as the store's gradients (an optimiser's
     * moments), in its shape: a view.
     */
    public INDArray gradSliceOf(INDArray flat) {
        if (gradOffset < 0) {
            throw new IllegalStateException("parameter " + name + " is frozen or its gradients are not laid out yet");
        }
        return slice(flat, gradOffset);
    }

    private INDArray slice(INDArray flat, long start) {
        return flat.get(NDArrayIndex.interval(start, start + length())).reshape('c', shape);
    }

    void bind(ParamStore store, long offset, INDArray values) {
        this.store = store;
        this.offset = offset;
        this.value = sliceOf(values);
    }

    void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    void layOutGrad(long gradOffset) {
        this.gradOffset = gradOffset;
    }

    void bindGrad(INDArray grads) {
        this.grad = gradSliceOf(grads);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + (trainable ? "" : " (frozen)");
    }
}
