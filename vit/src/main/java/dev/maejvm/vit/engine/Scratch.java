package dev.maejvm.vit.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer's view of its model's {@link ScratchPool}: a named scope. Layers built with the same
 * scope (every encoder block is given {@code encoder.blocks}) share the buffers of the same key;
 * a layer inside a block asks for a {@link #child} scope ({@code attn}, {@code mlp.fc1}). Which
 * layers take turns is thus said by the model that builds them, not inferred from their names.
 */
public final class Scratch {
    private final ScratchPool pool;
    private final String name;

    Scratch(ScratchPool pool, String name) {
        this.pool = pool;
        this.name = name;
    }

    /** A scope of a fresh pool of its own: buffers shared with no other layer (tests, one-off layers). */
    public static Scratch own(String name) {
        return new ScratchPool().scope(name);
    }

    public String name() {
        return name;
    }

    /** The scope of a part of this layer, {@code name.part}. */
    public Scratch child(String part) {
        return new Scratch(pool, name + "." + part);
    }

    /**
     * The buffer {@code key} of this scope, of this type and shape, to be written now: valid until
     * the next layer of the same scope asks for the same key.
     */
    public INDArray get(String key, DataType dataType, long... shape) {
        return pool.take(name + "." + key, dataType, shape);
    }

    /** What a layer keeps for its backward: a stamp of {@code a} if it is a pooled buffer (see {@link ScratchPool}). */
    public ScratchPool.Stamp stamp(INDArray a) {
        return ScratchPool.stamp(a);
    }

    /** Fails loudly if the stamped buffer was handed to another layer since. @param who the layer, for the message */
    public void check(ScratchPool.Stamp stamp, String who) {
        ScratchPool.check(stamp, who);
    }
}
