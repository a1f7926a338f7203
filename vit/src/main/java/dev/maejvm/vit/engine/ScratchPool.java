package dev.maejvm.vit.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Backward buffers shared by all layers of the same role ("attn.qkv" in every block) and shape.
 * Backward runs one block at a time, and each such buffer is consumed by the layer below before
 * the next block's layer of that role writes it again, so one copy serves the whole depth: at
 * the tiny preset this saves ~0.6 GB. Forward activations are never pooled (backward needs them).
 */
public final class ScratchPool {
    private final Map<String, INDArray> buffers = new HashMap<>();

    /** The role of a layer: its name without the block index ("blocks.3.attn.qkv" -> "attn.qkv"). */
    public static String role(String name) {
        return name.replaceFirst("^(decoder_)?blocks\\.\\d+\\.", "$1blocks.");
    }

    public synchronized INDArray get(String role, DataType dataType, long... shape) {
        String key = role + '|' + dataType + '|' + Arrays.toString(shape);
        return buffers.computeIfAbsent(key, k -> Nd4j.create(dataType, shape));
    }
}
