package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/** timm's Mlp: fc1 (dim -> hidden), GELU, fc2 (hidden -> dim). */
public final class Mlp {
    private final Linear fc1;
    private final Gelu act;
    private final Linear fc2;

    public Mlp(ParamStore store, String name, long dim, long hidden) {
        this.fc1 = new Linear(store, name + ".fc1", dim, hidden, true);      // GELU keeps what it needs
        this.act = new Gelu(store.scratch(), dev.maejvm.vit.engine.ScratchPool.role(name + ".act"));
        this.fc2 = new Linear(store, name + ".fc2", hidden, dim, true);
    }

    /** @param x [M, dim] @return [M, dim], shared with the Mlps of the same role: consume it before the next one runs */
    public INDArray forward(INDArray x) {
        return fc2.forward(act.forward(fc1.forward(x)));
    }

    /** @param dy [M, dim] @return dx [M, dim] */
    public INDArray backward(INDArray dy) {
        return fc1.backward(act.backward(fc2.backward(dy, true)), true);
    }
}
