package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;

/** timm's Mlp: fc1 (dim -> hidden), GELU, fc2 (hidden -> dim). */
public final class Mlp implements RowLayer {
    private final Sequential layers;

    /** An Mlp with buffers of its own. */
    public Mlp(ParamStore store, String name, long dim, long hidden) {
        this(store, name, dim, hidden, Scratch.own(name));
    }

    /** @param scratch the scope of its buffers; its layers take the child scopes fc1, act, fc2 */
    public Mlp(ParamStore store, String name, long dim, long hidden, Scratch scratch) {
        this.layers = Sequential.of(
                new Linear(store, name + ".fc1", dim, hidden, scratch.child("fc1"), true),   // GELU keeps what it needs
                new Gelu(scratch.child("act")),
                new Linear(store, name + ".fc2", hidden, dim, scratch.child("fc2"), true));
    }

    /** @param x [M, dim] @return [M, dim], in the scratch scope: consume it before the next Mlp of the scope runs */
    @Override
    public INDArray forward(INDArray x, Ctx ctx) {
        return layers.forward(x, ctx);
    }

    /** @param dy [M, dim] @return dx [M, dim] */
    @Override
    public INDArray backward(INDArray dy) {
        return layers.backward(dy);
    }
}
