package dev.maejvm.finetune.det.eval;

import java.util.List;

/**
 * cocoeval's {@code eval}: the precision and recall tables {@code accumulate} fills, -1 where a
 * category has no ground truth to find in that area range (or nothing to evaluate).
 *
 * @param precision {@code [T][R][K][A][M]}: IoU threshold, recall point, category, area range, detection limit
 * @param recall {@code [T][K][A][M]}: the recall reached with all detections up to the limit
 * @param categoryIds the K categories, ascending
 */
public record Accumulation(double[][][][][] precision, double[][][][] recall, List<Integer> categoryIds) {
}
