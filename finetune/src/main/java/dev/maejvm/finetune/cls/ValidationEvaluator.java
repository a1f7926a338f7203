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
        Accuracy acc = new Accuracy(model.numClasses());
        Iterator<Batch> it = data.epoch(0);
        while (it.hasNext()) {
            Batch b = it.next();
            acc.add(model.forward(b.images(), Ctx.eval()), b.labels());
        }
        return acc.result(data.dataset().describe());
    }
}
