package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer that maps each row of its input on its own: [M, in] -> [M, out] (Linear, LayerNorm,
 * GELU, Mlp, ...). Rows may be tokens, pixels of a channels-last feature map or whole samples.
 * The contract of every layer (docs/ENGINE.md): forward keeps what backward needs (in training),
 * its output is valid until the layer's next forward (or, for an output in a shared scratch
 * buffer, until the next layer of its scope writes it); backward adds to the parameters'
 * gradients and returns the input's gradient; a second training forward before the backward
 * throws.
 */
public interface RowLayer {

    /**
     * @param x [M, in], c-order
     * @return y [M, out]
     */
    INDArray forward(INDArray x, Ctx ctx);

    /**
     * @param dy [M, out], the gradient of the loss with respect to the last training forward's output
     * @return dx [M, in]
     */
    INDArray backward(INDArray dy);
}
