package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Row layers one after the other: forward in order, backward in reverse (torch.nn.Sequential). */
public final class Sequential implements RowLayer {
    private final List<RowLayer> layers;

    public Sequential(List<RowLayer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a Sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    public static Sequential of(RowLayer... layers) {
        return new Sequential(List.of(layers));
    }

    public List<RowLayer> layers() {
        return layers;
    }

    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        for (RowLayer l : layers) {
            x = l.forward(x, ctx);
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
