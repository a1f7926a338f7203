package dev.maejvm.finetune.det.fcos;

import dev.maejvm.data.detection.BoundingBox;

/** One detection: its box (pixel xyxy, {@code category} the class index in [0, K)) and score in [0, 1]. */
public record Detection(BoundingBox box, double score) {
    public Detection {
        if (box == null) {
            throw new IllegalArgumentException("box must not be null");
        }
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in [0, 1], got " + score);
        }
    }
}
