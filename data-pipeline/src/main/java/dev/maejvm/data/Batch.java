package dev.maejvm.data;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch: images [B, C, H, W] float32, labels (length B, -1 when unlabeled), where each came from.
 */
public record Batch(INDArray images, int[] labels, List<String> sources, int epoch, int index) {}
