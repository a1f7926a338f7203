package dev.maejvm.finetune.det.fcos;

/**
 * FCOS inference (detectron2 {@code FCOS.forward_inference}).
 *
 * @param scoreThreshold a candidate needs {@code sqrt(sigmoid(cls) sigmoid(ctr)) > scoreThreshold}, in [0, 1)
 * @param topkCandidates the candidates kept per level and image before NMS, >= 1
 * @param nmsThreshold class-aware NMS IoU threshold, in [0, 1]
 * @param maxDetectionsPerImage the detections kept per image after NMS, >= 1
 */
public record InferenceConfig(double scoreThreshold, int topkCandidates, double nmsThreshold, int maxDetectionsPerImage) {
    public InferenceConfig {
        if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
            throw new IllegalArgumentException("scoreThreshold must be in [0, 1), got " + scoreThreshold);
        }
        if (topkCandidates < 1) {
            throw new IllegalArgumentException("topkCandidates must be >= 1, got " + topkCandidates);
        }
        if (!(nmsThreshold >= 0 && nmsThreshold <= 1)) {
            throw new IllegalArgumentException("nmsThreshold must be in [0, 1], got " + nmsThreshold);
        }
        if (maxDetectionsPerImage < 1) {
            throw new IllegalArgumentException("maxDetectionsPerImage must be >= 1, got " + maxDetectionsPerImage);
        }
    }

    /** detectron2's FCOS defaults: {@code test_score_thresh} 0.2, top 1000, NMS 0.6, 100 per image. */
    public static InferenceConfig detectron2() {
        return new InferenceConfig(0.2, 1000, 0.6, 100);
    }

    /** For COCO evaluation: detectron2's, with the threshold lowered to 0.05 (more low-score detections raise AP). */
    public static InferenceConfig evaluation() {
        return new InferenceConfig(0.05, 1000, 0.6, 100);
    }
}
