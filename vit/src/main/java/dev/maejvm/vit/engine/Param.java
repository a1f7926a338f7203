package dev.maejvm.vit.engine;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One named trainable parameter: a view into {@link ParamStore}'s flat value buffer and the
 * matching view into its flat gradient buffer. The value view exists once the store is built,
 * the gradient view once the gradient buffer is first asked for.
 */
public final class Param {
    private final String name;
    private final long[] shape;
    private final Init init;
    private final boolean weightDecay;
    private long offset = -1;
    private INDArray value;
    private volatile INDArray grad;
    private ParamStore store;

    Param(String name, long[] shape, Init init, boolean weightDecay) {
        this.name = name;
        this.shape = shape.clone();
        this.init = init;
        this.weightDecay = weightDecay;
    }

    /** timm / official-MAE state-dict name, e.g. {@code blocks.3.attn.qkv.weight}. */
    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long length() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    public Init init() {
        return init;
    }

    /**
     * Whether AdamW decays it. Official MAE pretraining's rule (timm 0.3.2 {@code add_weight_decay}
     * with no skip list): every tensor of rank >= 2 not named {@code *.bias}, so the weights and the
     * cls and mask tokens, not biases or norms. The fixed positional embeddings are not parameters.
     */
    public boolean weightDecay() {
        return weightDecay;
    }

    /** Offset of this parameter in the flat buffers. */
    public long offset() {
        return offset;
    }

    /** The value, a view into the flat parameter buffer (writes go to the store). */
    public INDArray value() {
        if (value == null) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        return value;
    }

    /** The gradient, a view into the flat gradient buffer (allocated on first use); backward passes add to it. */
    public INDArray grad() {
        if (store == null) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        if (grad == null) {
            store.grads();                                  // allocates the buffer and binds every view
        }
        return grad;
    }

    /**
     * This parameter's part of a flat [P] buffer laid out as the store's (values, gradients, an
     * optimiser's moments), in the parameter's shape: a view.
     */
    public INDArray sliceOf(INDArray flat) {
        if (offset < 0) {
            throw new IllegalStateException("parameter " + name + " used before its ParamStore was built");
        }
        return flat.get(NDArrayIndex.interval(offset, offset + length())).reshape('c', shape);
    }

    void bind(ParamStore store, long offset, INDArray values) {
        this.store = store;
        this.offset = offset;
        this.value = sliceOf(values);
    }

    void bindGrad(INDArray grads) {
        this.grad = sliceOf(grads);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
