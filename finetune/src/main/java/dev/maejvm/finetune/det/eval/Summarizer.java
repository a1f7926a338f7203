package dev.maejvm.finetune.det.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * cocoeval's {@code summarize} for bounding boxes ({@code _summarizeDets}): each number is the
 * mean of the entries above -1 of a slice of the precision or recall table, -1 if there are none.
 */
public final class Summarizer {
    private static final int ALL = AreaRange.ALL.ordinal();

    private Summarizer() {
    }

    /** @param acc tables made with {@link CocoThresholds}' IoU thresholds and detection limits 1, 10, 100 */
    public static CocoSummary summarize(Accumulation acc) {
        int last = 2;
        double[] s = new double[12];
        s[0] = precision(acc, -1, ALL, last);
        s[1] = precision(acc, CocoThresholds.iouIndex(.5), ALL, last);
        s[2] = precision(acc, CocoThresholds.iouIndex(.75), ALL, last);
        s[3] = precision(acc, -1, AreaRange.SMALL.ordinal(), last);
        s[4] = precision(acc, -1, AreaRange.MEDIUM.ordinal(), last);
        s[5] = precision(acc, -1, AreaRange.LARGE.ordinal(), last);
        s[6] = recall(acc, ALL, 0);
        s[7] = recall(acc, ALL, 1);
        s[8] = recall(acc, ALL, last);
        s[9] = recall(acc, AreaRange.SMALL.ordinal(), last);
        s[10] = recall(acc, AreaRange.MEDIUM.ordinal(), last);
        s[11] = recall(acc, AreaRange.LARGE.ordinal(), last);
        Map<Integer, Double> perCategory = new LinkedHashMap<>();
        for (int k = 0; k < acc.categoryIds().size(); k++) {
            perCategory.put(acc.categoryIds().get(k), categoryPrecision(acc, k, ALL, last));
        }
        return CocoSummary.of(s, perCategory);
    }

    /** Mean precision over thresholds (one when {@code t >= 0}), recall points and categories, C order as numpy flattens. */
    static double precision(Accumulation acc, int t, int a, int m) {
        double[][][][][] p = acc.precision();
        int t0 = t >= 0 ? t : 0;
        int t1 = t >= 0 ? t + 1 : p.length;
        int rn = p[0].length;
        int kn = acc.categoryIds().size();
        double[] kept = new double[(t1 - t0) * rn * kn];
        int n = 0;
        for (int ti = t0; ti < t1; ti++) {
            for (int r = 0; r < rn; r++) {
                for (int k = 0; k < kn; k++) {
                    double v = p[ti][r][k][a][m];
                    if (v > -1) {
                        kept[n++] = v;
                    }
                }
            }
        }
        return n == 0 ? -1 : NumpyMean.mean(kept, n);
    }

    /** Mean recall over all thresholds and categories. */
    static double recall(Accumulation acc, int a, int m) {
        double[][][][] rec = acc.recall();
        int kn = acc.categoryIds().size();
        double[] kept = new double[rec.length * kn];
        int n = 0;
        for (double[][][] byK : rec) {
            for (int k = 0; k < kn; k++) {
                double v = byK[k][a][m];
                if (v > -1) {
                    kept[n++] = v;
                }
            }
        }
        return n == 0 ? -1 : NumpyMean.mean(kept, n);
    }

    /** One category's AP: its precision averaged over thresholds and recall points. */
    static double categoryPrecision(Accumulation acc, int k, int a, int m) {
        double[][][][][] p = acc.precision();
        double[] kept = new double[p.length * p[0].length];
        int n = 0;
        for (double[][][][] byR : p) {
            for (double[][][] byK : byR) {
                double v = byK[k][a][m];
                if (v > -1) {
                    kept[n++] = v;
                }
            }
        }
        return n == 0 ? -1 : NumpyMean.mean(kept, n);
    }
}
