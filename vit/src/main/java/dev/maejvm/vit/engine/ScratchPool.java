package dev.maejvm.vit.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One model's shared work buffers. Layers reach it through a {@link Scratch} scope that the model
 * that owns them declares: layers given the same scope and the same key take turns with one
 * buffer (the twelve encoder blocks' attention-gradient buffers are one buffer), layers given
 * their own scopes share nothing. Sharing the backward buffers lowers a training step's peak
 * memory (the tiny preset's figure is in docs/PERFORMANCE.md).
 *
 * <p>Every hand-out of a buffer bumps its version. A layer that keeps a buffer it did not allocate
 * (an input it needs in backward) takes a {@link Stamp} of it and checks it before use: if
 * another layer was handed the buffer in between, its contents are no longer what the layer saw,
 * and the check fails loudly instead of giving a wrong gradient.
 */
public final class ScratchPool {
    /**
     * Every pooled buffer's version, by the address of its memory, over all pools: a layer may keep
     * an input that another model part's pool handed out. Holds no array, so a dead pool's entries
     * keep no memory alive; an address reused by a new pool gets a new entry.
     */
    private static final Map<Long, Version> VERSIONS = new ConcurrentHashMap<>();

    private final Map<String, Slot> byKey = new HashMap<>();

    private static final class Version {
        final String key;
        volatile long count;

        Version(String key) {
            this.key = key;
        }
    }

    private record Slot(INDArray array, Version version) {}

    /** What a layer saw of a buffer: which buffer and its version then (NONE: not a pooled buffer). */
    public record Stamp(Object version, long count) {
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
            Slot s = new Slot(Nd4j.create(dataType, shape), new Version(key));
            VERSIONS.put(address(s.array), s.version);
            return s;
        });
        slot.version.count++;
        return slot.array;
    }

    private static long address(INDArray a) {
        return a.data().address();
    }

    /** A stamp of the array (or of the pooled buffer it is a view of), from any pool. */
    static Stamp stamp(INDArray a) {
        Version v = VERSIONS.get(address(a));
        return v == null ? Stamp.NONE : new Stamp(v, v.count);
    }

    /** Throws if the stamped buffer was handed out again since the stamp was taken. */
    static void check(Stamp stamp, String who) {
        if (stamp.version() == null) {
            return;
        }
        Version v = (Version) stamp.version();
        if (v.count != stamp.count()) {
            throw new IllegalStateException(who + ": the shared buffer '" + v.key + "' it kept from its forward was"
                    + " overwritten by another layer before its backward (the model shares that scope between layers whose"
                    + " lifetimes overlap)");
        }
    }
}
