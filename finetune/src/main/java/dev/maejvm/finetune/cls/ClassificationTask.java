package dev.maejvm.finetune.cls;

import dev.maejvm.data.Batch;
import dev.maejvm.data.transform.MixupCutmix;
import dev.maejvm.train.Task;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.ViTClassifier;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fine-tuning's step (the official {@code engine_finetune.train_one_epoch}): the batch mixed by
 * mixup / cutmix with label-smoothed targets (timm's {@code Mixup}), or label-smoothed targets
 * alone; the classifier's forward on all patches; soft-target cross-entropy; the backward.
 * Batches are images [B, C, H, W] with labels. The mixing draws depend on (seed, iteration) only,
 * so a resumed run mixes the same way.
 */
public final class ClassificationTask implements Task<Batch> {
    private final ViTClassifier model;
    private final MixupCutmix mixer;          // null: no mixing
    private final double smoothing;
    private final long seed;
    private INDArray dLogits;                 // [B, K]

    public ClassificationTask(ViTClassifier model, FinetuneConfig cfg) {
        this.model = model;
        this.mixer = cfg.mixes() ? new MixupCutmix(cfg.mixup(), cfg.cutmix(), cfg.mixupProb(), cfg.mixupSwitchProb(),
                cfg.smoothing(), cfg.numClasses()) : null;
        this.smoothing = cfg.smoothing();
        this.seed = cfg.seed();
    }

    /** The mixing draws of an iteration: a function of (seed, iteration) only, apart from the layers' stream. */
    public static SplittableRandom mixingRandom(long seed, long iteration) {
        return new SplittableRandom((seed ^ 0x6D69787570L) * 0xBF58476D1CE4E5B9L + iteration);
    }

    @Override
    public ParamStore params() {
        return model.params();
    }

    @Override
    public StepResult step(Batch batch, long iteration, Ctx ctx) {
        int n = (int) batch.images().size(0);
        INDArray images;
        INDArray targets;
        if (mixer != null) {
            MixupCutmix.Mixed m = mixer.apply(batch, mixingRandom(seed, iteration));
            images = m.images();
            targets = m.targets();
        } else {
            images = batch.images();
            targets = SoftTargetCrossEntropy.smoothedTargets(batch.labels(), model.numClasses(), smoothing);
        }
        INDArray logits = model.forward(images, ctx);
        dLogits = Kernels.ensure(dLogits, logits.dataType(), n, model.numClasses());
        double loss = SoftTargetCrossEntropy.forward(logits, targets, dLogits);
        if (Double.isFinite(loss)) {
            model.backward(dLogits);
        }
        return new StepResult(loss, n, Map.of());
    }
}
