package dev.maejvm.vit.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The vectorisable float32 approximations against float64 references (ND4J's Erf, Math.exp). */
class VectorMathTest {
    static final double ERF_TOL = 4e-7;       // Eigen's figure: 3.2e-7 max abs
    static final double EXP_REL_TOL = 4e-6;   // measured 2.9e-6 max relative on [-16, 0]
    static final double EXP_ABS_TOL = 1.2e-7;  // below -16: the ramp from exp(-16) to 0 on [-17, -16]
    /** Softmax: the exp's relative error, and float32 sums of up to 50 terms. */
    static final double SOFTMAX_TOL = 4e-6;
    /** GELU: erf error times |x| / 2, plus float32 rounding of values up to ~10. */
    static final double GELU_TOL = 3e-6;

    @Test
    void erfIsAccurateEverywhere() {
        int n = 24001;
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -6 + 12.0 * i / (n - 1);
        }
        INDArray ref = Nd4j.createFromArray(xs);
        Nd4j.exec(new Erf(ref, ref));
        double worst = 0;
        double at = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.abs(VectorMath.erf((float) xs[i]) - ref.getDouble(i));
            if (e > worst) {
                worst = e;
                at = xs[i];
            }
        }
        assertTrue(worst < ERF_TOL, "erf max abs error " + worst + " at x = " + at);
    }

    @Test
    void expIsAccurateOnItsRange() {
        double worst = 0;
        double at = 0;
        for (int i = 0; i <= 160000; i++) {
            float t = -16f * i / 160000;
            double e = Math.abs(VectorMath.expNonPositive(t) - Math.exp(t)) / Math.exp(t);
            if (e > worst) {
                worst = e;
                at = t;
            }
        }
        assertTrue(worst < EXP_REL_TOL, "exp max relative error " + worst + " at t = " + at);
        double worstAbs = 0;
        for (int i = 0; i <= 100000; i++) {
            float t = -16f - 24f * i / 100000;
            worstAbs = Math.max(worstAbs, Math.abs(VectorMath.expNonPositive(t) - Math.exp(t)));
        }
        assertTrue(worstAbs < EXP_ABS_TOL, "exp max absolute error " + worstAbs + " on [-40, -16]");
        assertTrue(VectorMath.expNonPositive(-17f) == 0 && VectorMath.expNonPositive(-1000f) == 0, "0 below -17");
    }

    @Test
    void softmaxRowsMatchFloat64() {
        // rows of 50 (the decoder's) and 13 (the encoder's); logits spread up to ~+-40 so that
        // some fall more than 17 below their row's max
        for (int t : new int[] {50, 13}) {
            int rows = 41;
            Random rng = new Random(t);
            float[] a = new float[rows * t];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rng.nextGaussian() * (i / t % 2 == 0 ? 2 : 12));
            }
            float[] p = a.clone();
            VectorMath.softmaxRows(p, rows, t);
            double worst = 0;
            for (int i = 0; i < rows; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    max = Math.max(max, a[i * t + j]);
                }
                for (int j = 0; j < t; j++) {
                    sum += Math.exp(a[i * t + j] - max);
                }
                for (int j = 0; j < t; j++) {
                    worst = Math.max(worst, Math.abs(p[i * t + j] - Math.exp(a[i * t + j] - max) / sum));
                }
            }
            assertTrue(worst < SOFTMAX_TOL, "softmax rows of " + t + ": max abs error " + worst);
        }
    }

    @Test
    void fusedSoftmaxTakesRowsLongerThanAPiece() {
        // 3 rows of 2500 (> the 2048-float piece): each row its own piece
        int t = 2500;
        INDArray a64 = Arrays64.normal(new Random(4), 3, t).muli(4);
        INDArray a = a64.castTo(DataType.FLOAT);
        SoftmaxKernels.softmaxRows(a);
        INDArray ref = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(a64, a64.like(), 1))[0];
        assertTrue(Arrays64.maxAbsDiff(a, ref) < SOFTMAX_TOL, "softmax of long rows: " + Arrays64.worstDiff(ref, a));
    }

    @Test
    void fusedGeluMatchesTheFloat64Formula() {
        // row ranges of bigger [rows, 10] buffers (views at offsets); 7001 x 10 values: 35 chunks,
        // split over the cores, the last one partial; inputs up to |x| ~ 12
        int rows = 7001;
        long n = rows * 10L;
        INDArray x64 = Arrays64.normal(new Random(3), rows, 10).muli(3);
        INDArray xBuf = Nd4j.create(DataType.FLOAT, rows + 3, 10);
        INDArray yBuf = Nd4j.create(DataType.FLOAT, rows + 2, 10);
        INDArray dBuf = Nd4j.create(DataType.FLOAT, rows + 1, 10);
        INDArray x = xBuf.get(NDArrayIndex.interval(3, rows + 3), NDArrayIndex.all());
        INDArray y = yBuf.get(NDArrayIndex.interval(1, rows + 1), NDArrayIndex.all());
        INDArray d = dBuf.get(NDArrayIndex.interval(1, rows + 1), NDArrayIndex.all());
        x.assign(x64.castTo(DataType.FLOAT));
        assertTrue(FusedKernels.applies(x, y, d), "views with offsets take the fused path");
        ElementwiseKernels.gelu(x, y, d);

        INDArray xf = x.castTo(DataType.DOUBLE);                // the float32 inputs, exactly
        INDArray cdf = xf.mul(1 / Math.sqrt(2));
        Nd4j.exec(new Erf(cdf, cdf));
        cdf.addi(1).muli(0.5);
        INDArray yRef = xf.mul(cdf);
        INDArray pdf = xf.mul(xf).muli(-0.5);
        pdf = org.nd4j.linalg.ops.transforms.Transforms.exp(pdf, false).muli(1 / Math.sqrt(2 * Math.PI));
        INDArray dRef = cdf.add(xf.mul(pdf));
        assertTrue(Arrays64.maxAbsDiff(y, yRef) < GELU_TOL, "gelu y: " + Arrays64.worstDiff(yRef, y));
        assertTrue(Arrays64.maxAbsDiff(d, dRef) < GELU_TOL, "gelu dy/dx: " + Arrays64.worstDiff(dRef, d));
        assertTrue(yBuf.getRow(0).sumNumber().doubleValue() == 0 && yBuf.getRow(rows + 1).sumNumber().doubleValue() == 0
                && dBuf.getRow(0).sumNumber().doubleValue() == 0, "nothing written outside the views");
    }
}
