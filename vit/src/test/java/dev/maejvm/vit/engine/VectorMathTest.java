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
        assertTrue(VectorMath.expNonPositive(-100f) <= Math.exp(-16) * 1.0001, "clamped below -16");
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
        FusedKernels.gelu(x, y, d);

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
