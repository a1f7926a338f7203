package dev.maejvm.vit.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One model's shared work buffers. Layers reach it through a {@link Scratch} scope that the model
 * that owns them declares: layers given the same scope and the same key take turns with one
 * buffer (the twelve encoder blocks' attention-gradient buffers are one buffer), layers given
 * their own scopes share nothing. At the tiny preset the shared backward buffers save ~0.6 GB.
 *
 * <p>Every hand-out of a buffer bumps its version. A layer that keeps a buffer it did not allocate
 * (an input it needs in backward) takes a {@link Stamp} of it and checks it before use: if
 * another layer was handed the buffer in between, its contents are no longer what the layer saw,
 * and the check fails loudly instead of giving a wrong gradient.
 */
public final class ScratchPool {
    private final Map<String, Slot> byKey = new HashMap<>();
    private final Map<DataBuffer, Slot> byData = new IdentityHashMap<>();

    private static final class Slot {
        final String key;
        final INDArray array;
        long version;

        Slot(String key, INDArray array) {
            this.key = key;
            this.array = array;
        }
    }

    /** What a layer saw of a buffer: which buffer and its version then (NONE: not a pooled buffer). */
    public record Stamp(Object slot, long version) {
        public static final Stamp NONE = new Stamp(null, 0);
    }

    /** The top-level scope of this pool with this name (the model picks one name per group of layers that take turns). */
    public Scratch scope(String name) {
        return new Scratch(this, name);
    }

    /** The buffer of this key, type and shape (made on first use), its version bumped: the caller will write it. */
    synchronized INDArray take(String key, DataType dataType, long... shape) {
        String full = key + '|' + dataType + '|' + Arrays.toString(shape);
        Slot slot = byKey.computeIfAbsent(full, k -> {
            Slot s = new Slot(key, Nd4j.create(dataType, shape));
            byData.put(s.array.data(), s);
            return s;
        });
        slot.version++;
        return slot.array;
    }

    /** A stamp of the array (or of the pooled buffer it is a view of). */
    synchronized Stamp stamp(INDArray a) {
        Slot slot = byData.get(a.data());
        return slot == null ? Stamp.NONE : new Stamp(slot, slot.version);
    }

    /** Throws if the stamped buffer was handed out again since the stamp was taken. */
    synchronized void check(Stamp stamp, String who) {
        if (stamp.slot() == null) {
            return;
        }
        Slot slot = (Slot) stamp.slot();
        if (slot.version != stamp.version()) {
            throw new IllegalStateException(who + ": the shared buffer '" + slot.key + "' it kept from its forward was"
                    + " overwritten by another layer before its backward (the model shares that scope between layers whose"
                    + " lifetimes overlap)");
        }
    }
}
