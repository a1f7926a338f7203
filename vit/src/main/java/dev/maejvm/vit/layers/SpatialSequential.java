package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Spatial layers one after the other, each handed the shape its predecessor produced: forward in
 * order, backward in reverse (torch.nn.Sequential over a feature map). A stage of ViTDet's simple
 * feature pyramid is one: e.g. 4x up = ConvTranspose2d, LayerNorm, GELU, ConvTranspose2d, then
 * Conv2d 1x1, LayerNorm, Conv2d 3x3, LayerNorm, with the row-wise layers wrapped by
 * {@link SpatialLayer#rows}.
 */
public final class SpatialSequential implements SpatialLayer {
    private final List<SpatialLayer> layers;

    public SpatialSequential(List<SpatialLayer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a SpatialSequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    public static SpatialSequential of(SpatialLayer... layers) {
        return new SpatialSequential(List.of(layers));
    }

    public List<SpatialLayer> layers() {
        return layers;
    }

    @Override
    public FeatureMap outShape(FeatureMap in) {
        for (SpatialLayer l : layers) {
            in = l.outShape(in);
        }
        return in;
    }

    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        for (SpatialLayer l : layers) {
            x = l.forward(x, in, ctx);
            in = l.outShape(in);
        }
        return x;
    }

    @Override
    public INDArray backward(INDArray dy) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            dy = layers.get(i).backward(dy);
        }
        return dy;
    }
}
