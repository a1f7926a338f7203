package dev.maejvm.finetune.det.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * cocoeval's {@code accumulate}: for each category, area range and detection limit, the
 * detections of all images (in ascending image id order, each image's cut to the limit) are sorted
 * by score (stable), counted into true and false positives per IoU threshold, and precision is made
 * monotone from the right and read at the 101 recall points.
 */
public final class Accumulator {
    /** numpy's {@code np.spacing(1)}, added to precision's denominator. */
    private static final double SPACING_1 = Math.ulp(1.0);

    private Accumulator() {
    }

    /**
     * @param evalImgs {@code [category][area][image]}: {@link ImageMatcher}'s results, null where
     *     the image has neither ground truth nor detection of the category
     * @param categoryIds the categories in {@code evalImgs}' order
     */
    public static Accumulation accumulate(ImageEvaluation[][][] evalImgs, List<Integer> categoryIds, double[] iouThrs,
            double[] recThrs, int[] maxDets) {
        int tn = iouThrs.length;
        int rn = recThrs.length;
        int kn = categoryIds.size();
        int an = AreaRange.values().length;
        int mn = maxDets.length;
        double[][][][][] precision = new double[tn][rn][kn][an][mn];
        double[][][][] recall = new double[tn][kn][an][mn];
        for (double[][][][] byR : precision) {
            for (double[][][] byK : byR) {
                for (double[][] byA : byK) {
                    for (double[] byM : byA) {
                        Arrays.fill(byM, -1);
                    }
                }
            }
        }
        for (double[][][] byK : recall) {
            for (double[][] byA : byK) {
                for (double[] byM : byA) {
                    Arrays.fill(byM, -1);
                }
            }
        }
        for (int k = 0; k < kn; k++) {
            for (int a = 0; a < an; a++) {
                List<ImageEvaluation> e = new ArrayList<>();
                for (ImageEvaluation ev : evalImgs[k][a]) {
                    if (ev != null) {
                        e.add(ev);
                    }
                }
                if (e.isEmpty()) {
                    continue;
                }
                int npig = 0;
                for (ImageEvaluation ev : e) {
                    npig += ev.objects();
                }
                if (npig == 0) {
                    continue;
                }
                for (int m = 0; m < mn; m++) {
                    accumulateOne(e, npig, maxDets[m], recThrs, precision, recall, k, a, m);
                }
            }
        }
        return new Accumulation(precision, recall, List.copyOf(categoryIds));
    }

    private static void accumulateOne(List<ImageEvaluation> e, int npig, int maxDet, double[] recThrs,
            double[][][][][] precision, double[][][][] recall, int k, int a, int m) {
        int tn = precision.length;
        int rn = recThrs.length;
        // concatenate the images' first maxDet detections, in image order
        int nd = 0;
        for (ImageEvaluation ev : e) {
            nd += Math.min(maxDet, ev.dtScores().length);
        }
        double[] scores = new double[nd];
        boolean[][] matched = new boolean[tn][nd];
        boolean[][] ignored = new boolean[tn][nd];
        int at = 0;
        for (ImageEvaluation ev : e) {
            int n = Math.min(maxDet, ev.dtScores().length);
            System.arraycopy(ev.dtScores(), 0, scores, at, n);
            for (int t = 0; t < tn; t++) {
                for (int d = 0; d < n; d++) {
                    matched[t][at + d] = ev.matched(t, d);
                }
                System.arraycopy(ev.dtIgnore()[t], 0, ignored[t], at, n);
            }
            at += n;
        }
        // stable, highest score first: numpy's argsort(-dtScores, kind='mergesort')
        Integer[] inds = new Integer[nd];
        for (int i = 0; i < nd; i++) {
            inds[i] = i;
        }
        Arrays.sort(inds, (p, q) -> scores[p] > scores[q] ? -1 : (scores[p] < scores[q] ? 1 : 0));
        double[] rc = new double[nd];
        double[] pr = new double[nd];
        for (int t = 0; t < tn; t++) {
            long tp = 0;
            long fp = 0;
            for (int i = 0; i < nd; i++) {
                int d = inds[i];
                if (!ignored[t][d]) {
                    if (matched[t][d]) {
                        tp++;
                    } else {
                        fp++;
                    }
                }
                rc[i] = (double) tp / npig;
                pr[i] = tp / ((double) fp + (double) tp + SPACING_1);
            }
            recall[t][k][a][m] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--) {
                if (pr[i] > pr[i - 1]) {
                    pr[i - 1] = pr[i];
                }
            }
            int pi = 0;
            for (int r = 0; r < rn; r++) {
                // searchsorted(rc, recThrs, side='left'): the first i with rc[i] >= recThrs[r]
                while (pi < nd && rc[pi] < recThrs[r]) {
                    pi++;
                }
                precision[t][r][k][a][m] = pi < nd ? pr[pi] : 0;
            }
        }
    }
}
