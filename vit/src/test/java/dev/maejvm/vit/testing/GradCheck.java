package dev.maejvm.vit.testing;

import java.util.Random;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central finite differences in float64 against analytic gradients.
 *
 * <p>Bound: |analytic - numeric| <= ATOL + RTOL * max(|analytic|, |numeric|). With step 1e-6 the
 * truncation error of central differences is O(h^2 f''') ~ 1e-12 and the rounding error
 * ~ 1e-16 |f| / h ~ 1e-10 for the O(1) losses used, so 1e-5 relative / 1e-8 absolute leaves
 * two orders of margin while catching any wrong term (a missing factor or a dropped path gives
 * relative errors of order 1).
 */
public final class GradCheck {
    public static final double STEP = 1e-6;
    public static final double RTOL = 1e-5;
    public static final double ATOL = 1e-8;

    private GradCheck() {}

    /**
     * Compares {@code analytic} with d loss / d {@code target}, perturbing up to {@code samples}
     * entries of {@code target} (all of them when it has fewer).
     *
     * @param loss recomputes the scalar loss from the current value of {@code target}
     */
    public static void check(String what, INDArray target, INDArray analytic, DoubleSupplier loss, int samples, long seed) {
        if (target.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("gradient checks run in float64, " + what + " is " + target.dataType());
        }
        INDArray flat = target.reshape(target.length());
        INDArray flatGrad = analytic.reshape(analytic.length());
        long n = flat.length();
        Random rng = new Random(seed);
        double worst = -1;
        String worstMsg = null;
        for (int s = 0; s < Math.min(samples, n); s++) {
            long i = n <= samples ? s : (long) (rng.nextDouble() * n);
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + STEP);
            double up = loss.getAsDouble();
            flat.putScalar(i, orig - STEP);
            double down = loss.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = (up - down) / (2 * STEP);
            double a = flatGrad.getDouble(i);
            double err = Math.abs(a - numeric);
            double bound = ATOL + RTOL * Math.max(Math.abs(a), Math.abs(numeric));
            if (!Double.isFinite(a)) {
                throw new AssertionError(what + "[" + i + "]: analytic gradient is " + a);
            }
            if (err / bound > worst) {
                worst = err / bound;
                worstMsg = what + "[" + i + "]: analytic " + a + " vs numeric " + numeric + " (|diff| " + err
                        + ", bound " + bound + ")";
            }
        }
        if (worst > 1) {
            throw new AssertionError("gradient check failed, worst element " + worstMsg);
        }
    }
}
