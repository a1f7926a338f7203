package dev.maejvm.finetune.det.fcos;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Greedy non-maximum suppression, class-aware (torchvision's {@code batched_nms}, which detectron2
 * calls): boxes of different classes never suppress each other; within a class, in decreasing
 * score, a box is kept unless its IoU with a kept box is strictly above the threshold. Equal
 * scores are ordered by index (lower first), so the result is deterministic. IoU has no "+1"
 * and is 0 when the union is empty.
 *
 * <p>Boxes are [M, 4] xyxy flattened, scores [M], classes [M].
 */
public final class Nms {
    private Nms() {}

    /**
     * @return the kept indices, in decreasing score (ties: increasing index)
     */
    public static int[] batched(double[] boxes, double[] scores, int[] classes, double iouThreshold) {
        int m = scores.length;
        if (boxes.length != 4 * m || classes.length != m) {
            throw new IllegalArgumentException("boxes must be [" + m + ", 4] and classes [" + m + "], got "
                    + boxes.length + " and " + classes.length + " values");
        }
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold must be in [0, 1], got " + iouThreshold);
        }
        for (int i = 0; i < m; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("scores[" + i + "] is NaN");
            }
        }
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, byScore(scores));
        // greedy in score order: a box is kept unless it overlaps a kept box of its class by more than the threshold
        Map<Integer, int[]> keptOfClass = new HashMap<>();
        Map<Integer, Integer> keptCount = new HashMap<>();
        int[] keep = new int[m];
        int nk = 0;
        for (int a = 0; a < m; a++) {
            int i = order[a];
            int[] same = keptOfClass.computeIfAbsent(classes[i], c -> new int[8]);
            int count = keptCount.getOrDefault(classes[i], 0);
            boolean suppressed = false;
            for (int q = 0; q < count && !suppressed; q++) {
                suppressed = iou(boxes, 4 * same[q], boxes, 4 * i) > iouThreshold;
            }
            if (suppressed) {
                continue;
            }
            if (count == same.length) {
                same = Arrays.copyOf(same, 2 * count);
                keptOfClass.put(classes[i], same);
            }
            same[count] = i;
            keptCount.put(classes[i], count + 1);
            keep[nk++] = i;
        }
        return Arrays.copyOf(keep, nk);
    }

    /** Decreasing score, then increasing index. */
    static Comparator<Integer> byScore(double[] scores) {
        return (x, y) -> {
            int c = Double.compare(scores[y], scores[x]);
            return c != 0 ? c : Integer.compare(x, y);
        };
    }

    /** IoU of boxes {@code a[ao..ao+4)} and {@code b[bo..bo+4)}, xyxy, no "+1"; 0 for an empty union. */
    public static double iou(double[] a, int ao, double[] b, int bo) {
        double iw = Math.min(a[ao + 2], b[bo + 2]) - Math.max(a[ao], b[bo]);
        double ih = Math.min(a[ao + 3], b[bo + 3]) - Math.max(a[ao + 1], b[bo + 1]);
        double inter = iw > 0 && ih > 0 ? iw * ih : 0;
        double union = (a[ao + 2] - a[ao]) * (a[ao + 3] - a[ao + 1]) + (b[bo + 2] - b[bo]) * (b[bo + 3] - b[bo + 1]) - inter;
        return union > 0 ? inter / union : 0;
    }
}
