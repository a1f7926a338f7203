package dev.maejvm.finetune.det.fcos;

import java.util.List;

/**
 * FCOS's anchor-point matching rule (detectron2 {@code FCOS._match_anchors}).
 *
 * @param centerSamplingRadius r: a point is a candidate for a box only if
 *     {@code max(|x - cx|, |y - cy|) < r * stride} (cx, cy the box centre); detectron2 1.5
 * @param sizeRanges one per level, finest first (see {@link SizeRange#detectron2})
 */
public record MatchingConfig(double centerSamplingRadius, List<SizeRange> sizeRanges) {
    public MatchingConfig {
        if (!(centerSamplingRadius > 0) || Double.isInfinite(centerSamplingRadius)) {
            throw new IllegalArgumentException("centerSamplingRadius must be finite and > 0, got " + centerSamplingRadius);
        }
        if (sizeRanges == null || sizeRanges.isEmpty()) {
            throw new IllegalArgumentException("sizeRanges must hold one range per level, got " + sizeRanges);
        }
        for (int i = 0; i < sizeRanges.size(); i++) {
            if (sizeRanges.get(i) == null) {
                throw new IllegalArgumentException("sizeRanges[" + i + "] is null");
            }
        }
        sizeRanges = List.copyOf(sizeRanges);
    }

    /** detectron2's defaults: radius 1.5, ranges {@code [4 s, 8 s]} with the ends opened. */
    public static MatchingConfig detectron2(List<FeatureLevel> levels) {
        return new MatchingConfig(1.5, SizeRange.detectron2(levels));
    }
}
