package dev.maejvm.finetune.det.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * cocoeval's {@code evaluateImg} for bounding boxes: the greedy matching of one image's
 * detections of one category to its ground truths, per IoU threshold, in score order.
 */
public final class ImageMatcher {
    /** cocoeval's {@code 1 - 1e-10}: the best IoU a match needs never exceeds it. */
    private static final double MAX_IOU_NEEDED = 1 - 1e-10;

    /** Highest score first, equal scores in their given order (numpy's stable {@code argsort(-score, kind='mergesort')}). */
    public static final Comparator<Detection> BY_SCORE = (a, b) -> a.score() > b.score() ? -1 : (a.score() < b.score() ? 1 : 0);

    private ImageMatcher() {
    }

    /**
     * The detections as matching takes them: highest score first (stable), at most {@code maxDet}
     * (cocoeval's computeIoU and evaluateImg both cut to the last limit).
     */
    public static List<Detection> sortAndCut(List<Detection> dts, int maxDet) {
        List<Detection> sorted = new ArrayList<>(dts);
        sorted.sort(BY_SCORE);
        return sorted.size() > maxDet ? new ArrayList<>(sorted.subList(0, maxDet)) : sorted;
    }

    /**
     * @param gt the image's ground truths of the category in the file's order
     * @param dt its detections of the category as {@link #sortAndCut} leaves them
     * @param ious {@code [detection][ground truth]} in those orders ({@link BoxIou#matrix})
     * @param iouThrs the IoU thresholds
     * @return null when there is neither ground truth nor detection (cocoeval's None)
     */
    public static ImageEvaluation evaluate(long imageId, int categoryId, List<CocoAnnotation> gt, List<Detection> dt,
            double[][] ious, AreaRange area, double[] iouThrs) {
        if (gt.isEmpty() && dt.isEmpty()) {
            return null;
        }
        int g = gt.size();
        int d = dt.size();
        // sort ground truth ignored last, stable (argsort of the 0/1 flags, mergesort)
        int[] gtind = new int[g];
        boolean[] gtIg = new boolean[g];
        int n = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < g; j++) {
                CocoAnnotation a = gt.get(j);
                boolean ignore = a.iscrowd() || area.outside(a.area());
                if (ignore == (pass == 1)) {
                    gtind[n] = j;
                    gtIg[n] = ignore;
                    n++;
                }
            }
        }
        int tn = iouThrs.length;
        boolean[][] gtm = new boolean[tn][g];
        long[][] dtm = new long[tn][d];
        boolean[][] dtIg = new boolean[tn][d];
        if (g > 0 && d > 0) {
            for (int t = 0; t < tn; t++) {
                for (int di = 0; di < d; di++) {
                    double iou = Math.min(iouThrs[t], MAX_IOU_NEEDED);
                    int m = -1;
                    for (int gi = 0; gi < g; gi++) {
                        boolean crowd = gt.get(gtind[gi]).iscrowd();
                        // this ground truth already matched and not a crowd: next
                        if (gtm[t][gi] && !crowd) {
                            continue;
                        }
                        // matched to a regular ground truth and the rest are ignored: stop
                        if (m > -1 && !gtIg[m] && gtIg[gi]) {
                            break;
                        }
                        double v = ious[di][gtind[gi]];
                        if (v < iou) {
                            continue;
                        }
                        iou = v;
                        m = gi;
                    }
                    if (m == -1) {
                        continue;
                    }
                    dtIg[t][di] = gtIg[m];
                    dtm[t][di] = gt.get(gtind[m]).id();
                    gtm[t][m] = true;
                }
            }
        }
        double[] scores = new double[d];
        for (int di = 0; di < d; di++) {
            Detection det = dt.get(di);
            scores[di] = det.score();
            boolean outside = area.outside(det.area());
            for (int t = 0; t < tn; t++) {
                dtIg[t][di] = dtIg[t][di] || (dtm[t][di] == 0 && outside);
            }
        }
        return new ImageEvaluation(imageId, categoryId, area, scores, dtm, dtIg, gtIg);
    }
}
