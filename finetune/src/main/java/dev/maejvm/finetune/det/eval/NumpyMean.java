package dev.maejvm.finetune.det.eval;

/**
 * {@code np.mean} of a float64 vector, summed as numpy 1.24 sums it so that the result is the same
 * double: pairwise summation (blocks of at most 128, eight partial sums) over chunks of 8192
 * elements (the ufunc iterator's buffer size), the chunks' sums added in turn, then divided by the
 * count.
 */
final class NumpyMean {
    private static final int BUFFER = 8192;
    private static final int BLOCK = 128;

    private NumpyMean() {
    }

    static double mean(double[] a, int n) {
        double sum = 0;
        for (int s = 0; s < n; s += BUFFER) {
            sum += pairwiseSum(a, s, Math.min(BUFFER, n - s));
        }
        return sum / n;
    }

    /** numpy's {@code DOUBLE_pairwise_sum} (loops_utils.h). */
    static double pairwiseSum(double[] a, int off, int n) {
        if (n < 8) {
            double res = 0.;
            for (int i = 0; i < n; i++) {
                res += a[off + i];
            }
            return res;
        } else if (n <= BLOCK) {
            double[] r = new double[8];
            System.arraycopy(a, off, r, 0, 8);
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[off + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[off + i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            return pairwiseSum(a, off, n2) + pairwiseSum(a, off + n2, n - n2);
        }
    }
}
