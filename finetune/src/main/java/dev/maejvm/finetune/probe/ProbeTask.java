package dev.maejvm.finetune.probe;

import dev.maejvm.finetune.cls.SoftTargetCrossEntropy;
import dev.maejvm.train.Task;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The linear probe's step: BatchNorm (batch statistics) + linear head on cached features, plain cross-entropy. */
public final class ProbeTask implements Task<FeatureBatches.Batch> {
    private final ProbeHead head;
    private INDArray dLogits;

    public ProbeTask(ProbeHead head) {
        this.head = head;
    }

    @Override
    public ParamStore params() {
        return head.params();
    }

    @Override
    public StepResult step(FeatureBatches.Batch batch, long iteration, Ctx ctx) {
        int n = batch.labels().length;
        INDArray logits = head.forward(batch.features(), ctx);
        dLogits = Kernels.ensure(dLogits, logits.dataType(), n, head.numClasses());
        double loss = SoftTargetCrossEntropy.forward(logits,
                SoftTargetCrossEntropy.smoothedTargets(batch.labels(), head.numClasses(), 0), dLogits);
        head.backward(dLogits);
        return new StepResult(loss, n, Map.of());
    }
}
