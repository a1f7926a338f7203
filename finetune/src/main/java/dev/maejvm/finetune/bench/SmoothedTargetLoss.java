package dev.maejvm.finetune.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bench's stand-in for fine-tuning's loss until the product's own soft-target cross-entropy
 * is there: targets from label smoothing (timm's {@code Mixup} with mixup and cutmix off: every
 * class gets {@code smoothing / C}, the label {@code 1 - smoothing} more), then
 * {@code mean_n sum_c -t[n, c] log_softmax(z)[n, c]} (timm's {@code SoftTargetCrossEntropy}).
 * The gradient is {@code (softmax(z) - t) / N}, as the targets of a row sum to 1. In double on
 * the host: [N, C] is a few hundred values.
 */
final class SmoothedTargetLoss {
    private final int classes;
    private final double smoothing;
    private double[][] dLogits;        // [N, C] of the last forward

    SmoothedTargetLoss(int classes, double smoothing) {
        this.classes = classes;
        this.smoothing = smoothing;
    }

    /** @param logits [N, C] @param labels [N], each in [0, C) @return the mean loss */
    double forward(INDArray logits, int[] labels) {
        double[][] z = logits.toDoubleMatrix();
        int n = z.length;
        double off = smoothing / classes;
        double on = 1 - smoothing + off;
        dLogits = new double[n][classes];
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : z[i]) {
                sum += Math.exp(v - max);
            }
            double logSum = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                double t = c == labels[i] ? on : off;
                total -= t * (z[i][c] - logSum);
                dLogits[i][c] = (Math.exp(z[i][c] - logSum) - t) / n;
            }
        }
        return total / n;
    }

    /** @return dLoss / dLogits [N, C], in the logits' type */
    INDArray backward(INDArray logits) {
        return Nd4j.create(dLogits).castTo(logits.dataType());
    }
}
