package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer over a channels-last feature map [N*H*W, C] (rows ordered (n, y, x)) that looks across
 * pixels, so it is told the map's {@link FeatureMap} (n, h, w) with its input: convolutions,
 * pooling, group norm, window partition. The contract is {@link RowLayer}'s (docs/ENGINE.md): a
 * training forward keeps what the backward needs, the output is borrowed until the layer's next
 * forward, the backward adds to the parameters' gradients and returns the input's gradient, a
 * second training forward before the backward throws. The backward uses the shape of the last
 * training forward.
 */
public interface SpatialLayer {

    /** The shape of the output for an input of shape {@code in}. */
    FeatureMap outShape(FeatureMap in);

    /**
     * @param x [in.rows(), Cin], c-order
     * @param in the spatial shape of x
     * @return y [outShape(in).rows(), Cout]
     */
    INDArray forward(INDArray x, FeatureMap in, Ctx ctx);

    /**
     * @param dy [outShape(in).rows(), Cout] for the last training forward's in
     * @return dx [in.rows(), Cin]
     */
    INDArray backward(INDArray dy);

    /**
     * A row-wise layer (LayerNorm over channels, GELU, ReLU, a 1x1 Linear) as a spatial one: the
     * map's shape passes through unchanged.
     */
    static SpatialLayer rows(RowLayer layer) {
        return new SpatialLayer() {
            @Override
            public FeatureMap outShape(FeatureMap in) {
                return in;
            }

            @Override
            public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
                return layer.forward(x, ctx);
            }

            @Override
            public INDArray backward(INDArray dy) {
                return layer.backward(dy);
            }
        };
    }
}
