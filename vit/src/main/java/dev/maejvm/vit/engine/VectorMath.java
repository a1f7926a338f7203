package dev.maejvm.vit.engine;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * float32 erf and exp over Java arrays, written as plain counted loops of multiplies, adds,
 * divides and min/max so that HotSpot's C2 turns them into SIMD code: a loop that calls
 * {@code Math.exp} is not vectorised and is several times slower, and neither is one loop that
 * does erf and exp together, hence the separate passes (timings in docs/PERFORMANCE.md). Bit
 * tricks (2^k from an int) and double arithmetic stop the vectoriser, so exp uses repeated
 * squaring over a bounded range instead.
 *
 * <p>Accuracy (float32 inputs, against double {@code Math} references, checked in
 * VectorMathTest): erf max abs error 3.2e-7 (Eigen's / XLA's rational approximation);
 * {@link #expNonPositive} max relative error 3e-6 on [-16, 0].
 */
public final class VectorMath {
    private static final float INV_SQRT2 = 0.70710678f;
    private static final float INV_SQRT_2PI = 0.39894228f;

    /**
     * Whether the JIT turns {@link Math#fma} into the CPU's fused multiply-add (HotSpot's
     * {@code UseFMA}, on where the CPU has FMA3). Without it Math.fma is computed exactly in
     * software, hundreds of times slower, so the polynomials then multiply and add separately.
     */
    private static final boolean FMA = fmaInstruction();

    private VectorMath() {}

    private static boolean fmaInstruction() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return vm != null && "true".equals(vm.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {           // no HotSpot, or no jdk.management
            return false;
        }
    }

    /**
     * a * b + c, fused into one instruction where the CPU has FMA: the constant branch folds away
     * and the loops stay vectorised, so GELU gets faster with FMA and is as fast as before
     * without it (timings in docs/PERFORMANCE.md).
     */
    private static float mad(float a, float b, float c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }

    /** erf(a), the rational approximation of Eigen's {@code generic_fast_erf_float}; exact to 1.0 beyond |a| = 4. */
    static float erf(float a) {
        float x = Math.max(Math.min(a, 4f), -4f);
        float x2 = x * x;
        float p = mad(x2, -2.72614225801306e-10f, 2.77068142495902e-08f);
        p = mad(x2, p, -2.10102402082508e-06f);
        p = mad(x2, p, -5.69250639462346e-05f);
        p = mad(x2, p, -7.34990630326855e-04f);
        p = mad(x2, p, -2.95459980854025e-03f);
        p = mad(x2, p, -1.60960333262415e-02f);
        p = x * p;
        float q = mad(x2, -1.45660718464996e-05f, -2.13374055278905e-04f);
        q = mad(x2, q, -1.68282697438203e-03f);
        q = mad(x2, q, -7.37332916720468e-03f);
        q = mad(x2, q, -1.42647390514189e-02f);
        return p / q;
    }

    /**
     * exp(t) for t <= 0: exp(t / 16)^16 on [-16, 0], where exp(u) = e^-0.5 exp(u + 0.5) by its
     * Taylor series of degree 8 on [-0.5, 0.5]; below -16 it ramps linearly to 0 at -17 and stays
     * 0. Max relative error 3e-6 on [-16, 0]; max absolute error 1.2e-7 below -16.
     */
    static float expNonPositive(float t) {
        float v = mad(Math.max(t, -16f), 0.0625f, 0.5f);
        float p = 2.48015873e-5f;
        p = mad(p, v, 1.98412698e-4f);
        p = mad(p, v, 1.38888889e-3f);
        p = mad(p, v, 8.33333333e-3f);
        p = mad(p, v, 4.16666667e-2f);
        p = mad(p, v, 1.66666667e-1f);
        p = mad(p, v, 0.5f);
        p = mad(p, v, 1f);
        p = mad(p, v, 1f);
        p *= 0.60653066f;
        p *= p;
        p *= p;
        p *= p;
        return p * p * Math.min(1f, Math.max(0f, t + 17f));
    }

    /**
     * Exact GELU and its derivative over n values: y = x Phi(x), dydx = Phi(x) + x phi(x), with
     * Phi(x) = (1 + erf(x / sqrt 2)) / 2 and phi the standard normal density.
     */
    public static void gelu(float[] x, float[] y, float[] dydx, int n) {
        for (int j = 0; j < n; j++) {
            y[j] = mad(0.5f, erf(x[j] * INV_SQRT2), 0.5f);                     // Phi(x)
        }
        for (int j = 0; j < n; j++) {
            float v = x[j];
            dydx[j] = mad(v * INV_SQRT_2PI, expNonPositive(-0.5f * v * v), y[j]); // Phi + x phi
        }
        for (int j = 0; j < n; j++) {
            y[j] *= x[j];
        }
    }

    /**
     * Softmax of each of {@code rows} rows of length t stored one after another in a, in place:
     * p = exp(a - max) / sum. Probabilities carry the exp's 3e-6 relative error; entries more
     * than 17 below their row's max (true value < 4.2e-8) become 0.
     */
    public static void softmaxRows(float[] a, int rows, int t) {
        for (int i = 0; i < rows; i++) {
            int o = i * t;
            float max = a[o];
            for (int j = 1; j < t; j++) {
                max = Math.max(max, a[o + j]);
            }
            for (int j = 0; j < t; j++) {
                a[o + j] -= max;
            }
        }
        int n = rows * t;
        for (int j = 0; j < n; j++) {
            a[j] = expNonPositive(a[j]);
        }
        for (int i = 0; i < rows; i++) {
            int o = i * t;
            float sum = 0;
            for (int j = 0; j < t; j++) {
                sum += a[o + j];
            }
            float inv = 1 / sum;
            for (int j = 0; j < t; j++) {
                a[o + j] *= inv;
            }
        }
    }

    /** Softmax backward of rows of length t, in place: dp = p * (dp - sum_j dp * p). */
    public static void softmaxBackwardRows(float[] p, float[] dp, int rows, int t) {
        for (int i = 0; i < rows; i++) {
            int o = i * t;
            float s = 0;
            for (int j = 0; j < t; j++) {
                s += dp[o + j] * p[o + j];
            }
            for (int j = 0; j < t; j++) {
                dp[o + j] = p[o + j] * (dp[o + j] - s);
            }
        }
    }

    /**
     * sum of a[from .. from + n) in float, in eight interleaved partial sums: the JIT keeps eight
     * independent additions in flight instead of one chain (a double accumulator, as before,
     * needs a conversion per value).
     */
    public static float sum(float[] a, int from, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = from;
        int end = from + n;
        for (; j + 8 <= end; j += 8) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
            s4 += a[j + 4];
            s5 += a[j + 5];
            s6 += a[j + 6];
            s7 += a[j + 7];
        }
        for (; j < end; j++) {
            s0 += a[j];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** sum of a[j] * b[j] over j < n, as {@link #sum}. */
    public static float dot(float[] a, float[] b, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
            s4 += a[j + 4] * b[j + 4];
            s5 += a[j + 5] * b[j + 5];
            s6 += a[j + 6] * b[j + 6];
            s7 += a[j + 7] * b[j + 7];
        }
        for (; j < n; j++) {
            s0 += a[j] * b[j];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** z[j] = a[j] + b[j] for j < n. */
    public static void add(float[] a, float[] b, float[] z, int n) {
        for (int j = 0; j < n; j++) {
            z[j] = a[j] + b[j];
        }
    }

    /** z[j] = a[j] * b[j] for j < n. */
    public static void mul(float[] a, float[] b, float[] z, int n) {
        for (int j = 0; j < n; j++) {
            z[j] = a[j] * b[j];
        }
    }
}
