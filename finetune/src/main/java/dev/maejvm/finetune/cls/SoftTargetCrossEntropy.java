package dev.maejvm.finetune.cls;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's {@code SoftTargetCrossEntropy}: the mean over the batch of {@code -sum_k t_k log softmax(z)_k}.
 * With one-hot targets smoothed by s over K classes ({@code off = s / K}, {@code on = 1 - s + off})
 * it is timm's {@code LabelSmoothingCrossEntropy}; with s = 0 the plain cross-entropy. The gradient
 * is {@code (softmax(z) - t) / N}. Computed row by row in double, from the logits' own data type.
 */
public final class SoftTargetCrossEntropy {
    private SoftTargetCrossEntropy() {}

    /**
     * @param logits [N, K]
     * @param targets [N, K], each row a distribution
     * @param dLogits [N, K], overwritten with d loss / d logits; null: the loss alone
     * @return the mean loss
     */
    public static double forward(INDArray logits, INDArray targets, INDArray dLogits) {
        check(logits, targets);
        int n = (int) logits.size(0);
        int k = (int) logits.size(1);
        double[] z = logits.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] t = targets.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] g = dLogits == null ? null : new double[n * k];
        double total = 0;
        for (int i = 0; i < n; i++) {
            int o = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, z[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(z[o + j] - max);
            }
            double logSum = max + Math.log(sum);
            for (int j = 0; j < k; j++) {
                double logP = z[o + j] - logSum;
                total -= t[o + j] * logP;
                if (g != null) {
                    g[o + j] = (Math.exp(logP) - t[o + j]) / n;
                }
            }
        }
        if (g != null) {
            dLogits.assign(Nd4j.createFromArray(g).reshape(n, k).castTo(dLogits.dataType()));
        }
        return total / n;
    }

    /**
     * Label-smoothed one-hot targets: {@code off = smoothing / K} everywhere and {@code 1 - smoothing + off}
     * at the label (timm's {@code LabelSmoothingCrossEntropy}, as {@code Mixup}'s targets with lam 1).
     *
     * @return [N, K] float32
     */
    public static INDArray smoothedTargets(int[] labels, int numClasses, double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("smoothing must be in [0, 1), got " + smoothing);
        }
        float off = (float) (smoothing / numClasses);
        float on = (float) (1 - smoothing) + off;
        float[] t = new float[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is not in [0, " + numClasses + ")");
            }
            Arrays.fill(t, i * numClasses, (i + 1) * numClasses, off);
            t[i * numClasses + labels[i]] = on;
        }
        return Nd4j.create(t, new long[] {labels.length, numClasses}, 'c');
    }

    private static void check(INDArray logits, INDArray targets) {
        if (logits.rank() != 2 || !Arrays.equals(logits.shape(), targets.shape())) {
            throw new IllegalArgumentException("logits and targets must both be [N, K], got "
                    + Arrays.toString(logits.shape()) + " and " + Arrays.toString(targets.shape()));
        }
    }
}
