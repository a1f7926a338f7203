package dev.maejvm.finetune.det.fcos;

import java.util.ArrayList;
import java.util.List;

/**
 * The regression range of one pyramid level: a point of the level may be positive for a box
 * only if {@code lower < max(l, t, r, b) < upper} (pixels; strict both ways, as detectron2's
 * {@code _match_anchors}: {@code (dist > lower_bound) & (dist < upper_bound)}).
 */
public record SizeRange(double lower, double upper) {
    public SizeRange {
        if (!(lower >= 0) || Double.isInfinite(lower)) {
            throw new IllegalArgumentException("lower must be finite and >= 0, got " + lower);
        }
        if (!(upper > lower)) {
            throw new IllegalArgumentException("upper must be > lower (" + lower + "), got " + upper);
        }
    }

    public boolean contains(double maxDistance) {
        return maxDistance > lower && maxDistance < upper;
    }

    /**
     * detectron2's ranges: {@code [4 s, 8 s]} for a level of stride s, the first level's lower
     * bound 0 and the last level's upper bound infinite. For P3..P7 (strides 8..128):
     * [0, 64], [64, 128], [128, 256], [256, 512], [512, inf] (the paper's ranges).
     */
    public static List<SizeRange> detectron2(List<FeatureLevel> levels) {
        if (levels == null || levels.isEmpty()) {
            throw new IllegalArgumentException("levels must hold at least one level");
        }
        List<SizeRange> r = new ArrayList<>();
        for (int l = 0; l < levels.size(); l++) {
            double s = levels.get(l).stride();
            r.add(new SizeRange(l == 0 ? 0 : 4 * s, l == levels.size() - 1 ? Double.POSITIVE_INFINITY : 8 * s));
        }
        return List.copyOf(r);
    }
}
