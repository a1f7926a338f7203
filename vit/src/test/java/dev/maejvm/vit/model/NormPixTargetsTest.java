package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * normPixLoss targets, (t - mean) / sqrt(var + 1e-6) per patch with the unbiased variance, on a
 * batch shaped like the tiny preset's: 64 one-channel 28x28 images, 4x4 patches, [3136, 16].
 */
class NormPixTargetsTest {
    private static final int N = 64;
    private static final int SIDE = 28;
    private static final int PATCH = 4;
    private static final int GRID = SIDE / PATCH;
    private static final int L = GRID * GRID;
    /**
     * Constant patches: values not exactly representable; a black background after normalisation,
     * (0 - 0.2860f) / 0.3530f = -0.81019837f with Fashion-MNIST's mean and std (FashionMnist),
     * -0.42421296f with MNIST's 0.1307 / 0.3081; values large against the eps; 0. ND4J's float32
     * mean, which the targets used before, made Fashion-MNIST's background, 0.1f, -0.7f, e, 12.34f
     * and 1000.3f come out at up to 1.8e-4, 1.5e-5, 1.2e-4, 4.8e-4, 1.9e-3 and 0.12 instead of 0.
     */
    private static final float[] CONSTANTS = {0.3f, -0.81019837f, -0.42421296f, 0.1f, -0.7f, 2.7182817f, 12.34f, 1000.3f, 0f};
    /**
     * float32 targets against the formula in double: they are of order 1 (|t| < 4 here), so a few
     * float32 ulps of rounding at the write-back plus the float32 inputs' rounding.
     */
    private static final double FLOAT_TOLERANCE = 1e-6;
    private static final double DOUBLE_TOLERANCE = 1e-13;

    /**
     * Patch k of image n: varying (Gaussian around a background) one in ten, else constant at
     * {@link #CONSTANTS}[k % 10].
     */
    private static INDArray images(DataType dt) {
        Random rnd = new Random(7);
        double[][][][] x = new double[N][1][SIDE][SIDE];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < L; k++) {
                for (int i = 0; i < PATCH; i++) {
                    for (int j = 0; j < PATCH; j++) {
                        x[n][0][(k / GRID) * PATCH + i][(k % GRID) * PATCH + j] =
                                varying(k) ? (float) (-0.81019837 + rnd.nextGaussian()) : CONSTANTS[k % 10];
                    }
                }
            }
        }
        return Nd4j.createFromArray(x).castTo(dt);
    }

    private static boolean varying(int k) {
        return k % 10 == CONSTANTS.length;
    }

    @Test
    void constantPatchesGiveExactlyZero() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray t = new ReconstructionLoss(PATCH, true).targets(images(dt));
            assertEquals(dt, t.dataType());
            double[][] m = t.toDoubleMatrix();
            for (int n = 0; n < N; n++) {
                for (int k = 0; k < L; k++) {
                    if (!varying(k)) {
                        assertArrayEquals(new double[PATCH * PATCH], m[n * L + k], 0.0,
                                dt + " image " + n + ", patch " + k + " constant at " + CONSTANTS[k % 10]);
                    }
                }
            }
        }
    }

    @Test
    void varyingPatchesMatchTheFormulaInDouble() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray imgs = images(dt);
            double[][] raw = Patches.patchify(imgs, PATCH, null).reshape((long) N * L, PATCH * PATCH).toDoubleMatrix();
            double[][] got = new ReconstructionLoss(PATCH, true).targets(imgs).toDoubleMatrix();
            double tol = dt == DataType.FLOAT ? FLOAT_TOLERANCE : DOUBLE_TOLERANCE;
            for (int r = 0; r < N * L; r++) {
                if (varying(r % L)) {
                    double[] want = reference(raw[r]);
                    assertArrayEquals(want, got[r], tol, dt + " row " + r);
                    double sumSq = 0;
                    for (double w : want) {
                        sumSq += w * w;
                    }
                    assertEquals(PATCH * PATCH - 1, sumSq, 1e-3, "unbiased: the squares sum to P - 1, less the eps' share");
                }
            }
        }
    }

    /** The formula, plainly, in double. */
    private static double[] reference(double[] row) {
        double mean = 0;
        for (double v : row) {
            mean += v;
        }
        mean /= row.length;
        double var = 0;
        for (double v : row) {
            var += (v - mean) * (v - mean);
        }
        var /= row.length - 1;
        double[] out = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = (row[j] - mean) / Math.sqrt(var + ReconstructionLoss.NORM_PIX_EPS);
        }
        return out;
    }
}
