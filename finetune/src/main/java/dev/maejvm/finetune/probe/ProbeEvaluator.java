package dev.maejvm.finetune.probe;

import dev.maejvm.finetune.cls.Accuracy;
import dev.maejvm.finetune.cls.ValidationEvaluator;
import dev.maejvm.train.Evaluator;
import dev.maejvm.vit.engine.Ctx;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The probe on the validation features in evaluation mode (BatchNorm's running statistics): val_loss, val_top1, val_top5. */
public final class ProbeEvaluator implements Evaluator {
    private static final int CHUNK = 1024;
    private final ProbeHead head;
    private final INDArray features;
    private final int[] labels;
    private final BiConsumer<Integer, ValidationEvaluator.Result> onResult;

    public ProbeEvaluator(ProbeHead head, INDArray features, int[] labels, BiConsumer<Integer, ValidationEvaluator.Result> onResult) {
        this.head = head;
        this.features = features;
        this.labels = labels;
        this.onResult = onResult;
    }

    @Override
    public Map<String, Double> evaluate(int epoch) {
        ValidationEvaluator.Result r = evaluate(head, features, labels);
        onResult.accept(epoch, r);
        return r.metrics("val_");
    }

    public static ValidationEvaluator.Result evaluate(ProbeHead head, INDArray features, int[] labels) {
        Accuracy acc = new Accuracy(head.numClasses());
        for (int from = 0; from < labels.length; from += CHUNK) {
            int to = Math.min(labels.length, from + CHUNK);
            INDArray x = features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c');
            acc.add(head.forward(x, Ctx.eval()), Arrays.copyOfRange(labels, from, to));
        }
        return acc.result("the validation features");
    }
}
