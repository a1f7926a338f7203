package dev.maejvm.data;

import dev.maejvm.data.detection.BoundingBox;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch: images [B, C, H, W] float32, labels (length B, -1 when unlabeled), where each came from;
 * for a detection set, each image's boxes (pixel xyxy in the transformed image, category ids as
 * the annotations give them), else an empty list.
 */
public record Batch(INDArray images, int[] labels, List<String> sources, int epoch, int index, List<List<BoundingBox>> boxes) {
    public Batch {
        boxes = List.copyOf(boxes);
    }

    /** A batch of a set without boxes. */
    public Batch(INDArray images, int[] labels, List<String> sources, int epoch, int index) {
        this(images, labels, sources, epoch, index, List.of());
    }
}
