package dev.maejvm.finetune.cls;

import dev.maejvm.data.Batch;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.train.Evaluator;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.ViTClassifier;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Validation of a classifier, as the official {@code engine_finetune.evaluate}: every image once,
 * in evaluation mode; the plain cross-entropy, top-1 and top-5 accuracy (in %), and the confusion
 * matrix. As an {@link Evaluator} it reports {@code val_loss}, {@code val_top1}, {@code val_top5}
 * and hands each result to a callback (the best checkpoint, the confusion-matrix picture).
 */
public final class ValidationEvaluator implements Evaluator {

    /**
     * @param confusion [true class][predicted class] counts
     */
    public record Result(double loss, double top1, double top5, long examples, long[][] confusion) {
        public Map<String, Double> metrics(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(prefix + "loss", loss);
            m.put(prefix + "top1", top1);
            m.put(prefix + "top5", top5);
            return m;
        }
    }

    private final ViTClassifier model;
    private final DataLoader data;
    private final BiConsumer<Integer, Result> onResult;

    /** @param onResult called with (epoch, result) after each evaluation */
    public ValidationEvaluator(ViTClassifier model, DataLoader data, BiConsumer<Integer, Result> onResult) {
        this.model = model;
        this.data = data;
        this.onResult = onResult;
    }

    @Override
    public Map<String, Double> evaluate(int epoch) {
        Result r = evaluate(model, data);
        onResult.accept(epoch, r);
        return r.metrics("val_");
    }

    /** Every image of {@code data} through the model in evaluation mode. */
    public static Result evaluate(ViTClassifier model, DataLoader data) {
        int k = model.numClasses();
        long[][] confusion = new long[k][k];
        double lossSum = 0;
        long correct1 = 0;
        long correct5 = 0;
        long n = 0;
        Iterator<Batch> it = data.epoch(0);
        while (it.hasNext()) {
            Batch b = it.next();
            INDArray logits = model.forward(b.images(), Ctx.eval());
            float[] z = logits.dup('c').data().asFloat();
            int[] labels = b.labels();
            lossSum += SoftTargetCrossEntropy.forward(logits, SoftTargetCrossEntropy.smoothedTargets(labels, k, 0), null)
                    * labels.length;
            for (int i = 0; i < labels.length; i++) {
                int rank = rankOf(z, i * k, k, labels[i]);
                correct1 += rank == 0 ? 1 : 0;
                correct5 += rank < 5 ? 1 : 0;
                confusion[labels[i]][argmax(z, i * k, k)]++;
            }
            n += labels.length;
        }
        if (n == 0) {
            throw new IllegalArgumentException(data.dataset().describe() + ": no images to evaluate");
        }
        return new Result(lossSum / n, 100.0 * correct1 / n, 100.0 * correct5 / n, n, confusion);
    }

    /** How many classes score strictly higher than the label, or equal with a lower index (torch.topk's order). */
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

    static int argmax(float[] z, int offset, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (z[offset + j] > z[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
