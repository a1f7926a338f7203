package dev.maejvm.finetune.cls;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulates what a classifier's validation reports over batches of logits: the plain
 * cross-entropy, top-1 and top-5 accuracy (torch.topk's order: ties go to the lower class index)
 * and the confusion matrix.
 */
public final class Accuracy {
    private final int k;
    private final long[][] confusion;
    private double lossSum;
    private long correct1;
    private long correct5;
    private long n;

    public Accuracy(int numClasses) {
        this.k = numClasses;
        this.confusion = new long[numClasses][numClasses];
    }

    /** @param logits [B, K]; @param labels B labels in [0, K) */
    public void add(INDArray logits, int[] labels) {
        float[] z = logits.dup('c').data().asFloat();
        lossSum += SoftTargetCrossEntropy.forward(logits, SoftTargetCrossEntropy.smoothedTargets(labels, k, 0), null)
                * labels.length;
        for (int i = 0; i < labels.length; i++) {
            int rank = rankOf(z, i * k, k, labels[i]);
            correct1 += rank == 0 ? 1 : 0;
            correct5 += rank < 5 ? 1 : 0;
            confusion[labels[i]][rankZero(z, i * k, k)]++;
        }
        n += labels.length;
    }

    /** @param what names the data in the error when nothing was added */
    public ValidationEvaluator.Result result(String what) {
        if (n == 0) {
            throw new IllegalArgumentException(what + ": no images to evaluate");
        }
        return new ValidationEvaluator.Result(lossSum / n, 100.0 * correct1 / n, 100.0 * correct5 / n, n, confusion);
    }

    /** How many classes score higher than the label, or equal with a lower index. */
    static int rankOf(float[] z, int offset, int k, int label) {
        float v = z[offset + label];
        int rank = 0;
        for (int j = 0; j < k; j++) {
            float u = z[offset + j];
            if (u > v || (u == v && j < label)) {
                rank++;
            }
        }
        return rank;
    }

    /** The predicted class: the highest score, the lowest index among ties. */
    static int rankZero(float[] z, int offset, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (z[offset + j] > z[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
