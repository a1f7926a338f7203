package dev.maejvm.finetune.cls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The loss and its gradient against a float64 transcription; label smoothing against timm's formula. */
class SoftTargetCrossEntropyTest {

    private static double reference(double[][] z, double[][] t) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double sum = 0;
            for (double v : z[i]) {
                sum += Math.exp(v);
            }
            for (int j = 0; j < z[i].length; j++) {
                total -= t[i][j] * (z[i][j] - Math.log(sum));
            }
        }
        return total / z.length;
    }

    @Test
    void lossAndGradientMatchFloat64() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 5;
        int k = 7;
        double[][] z = new double[n][k];
        double[][] t = new double[n][k];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < k; j++) {
                z[i][j] = 4 * r.nextDouble() - 2;
                t[i][j] = r.nextDouble();
                s += t[i][j];
            }
            for (int j = 0; j < k; j++) {
                t[i][j] /= s;
            }
        }
        INDArray logits = Nd4j.createFromArray(z);
        INDArray targets = Nd4j.createFromArray(t);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, n, k);
        assertEquals(reference(z, t), SoftTargetCrossEntropy.forward(logits, targets, grad), 1e-14);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                z[i][j] += h;
                double up = reference(z, t);
                z[i][j] -= 2 * h;
                double down = reference(z, t);
                z[i][j] += h;
                assertEquals((up - down) / (2 * h), grad.getDouble(i, j), 1e-9, "d/dz[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void labelSmoothingIsTimmsFormula() {
        INDArray t = SoftTargetCrossEntropy.smoothedTargets(new int[] {2, 0}, 4, 0.1);
        double off = 0.1 / 4;
        double on = 1 - 0.1 + off;
        assertEquals(on, t.getDouble(0, 2), 1e-7);
        assertEquals(off, t.getDouble(0, 0), 1e-7);
        assertEquals(on, t.getDouble(1, 0), 1e-7);
        assertEquals(1.0, t.sum(1).getDouble(0), 1e-6);
        assertEquals(1.0, t.sum(1).getDouble(1), 1e-6);
        // the smoothed loss of logits z equals (1 - s) * CE(z, y) + s * mean_k(-log p_k), timm's LabelSmoothingCrossEntropy
        INDArray z = Nd4j.createFromArray(new double[][] {{0.5, -1, 2, 0.25}});
        double[] logP = new double[4];
        double sum = 0;
        for (int j = 0; j < 4; j++) {
            sum += Math.exp(z.getDouble(0, j));
        }
        double mean = 0;
        for (int j = 0; j < 4; j++) {
            logP[j] = z.getDouble(0, j) - Math.log(sum);
            mean -= logP[j] / 4;
        }
        double timm = 0.9 * -logP[1] + 0.1 * mean;
        assertEquals(timm, SoftTargetCrossEntropy.forward(z,
                SoftTargetCrossEntropy.smoothedTargets(new int[] {1}, 4, 0.1).castTo(DataType.DOUBLE), null), 1e-6,
                "float32 targets");
    }

    @Test
    void aLabelOutsideTheHeadIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoftTargetCrossEntropy.smoothedTargets(new int[] {0, 4}, 4, 0));
        assertTrue(e.getMessage().contains("label 4 of example 1"), e.getMessage());
    }
}
