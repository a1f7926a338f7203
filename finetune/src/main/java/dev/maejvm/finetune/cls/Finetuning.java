package dev.maejvm.finetune.cls;

import dev.maejvm.data.Batch;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.Evaluator;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.train.optim.ParamGroups;
import dev.maejvm.vit.model.ViTClassifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Fine-tuning (and training from scratch): the shared {@link Trainer} over a
 * {@link ClassificationTask}, validation every {@code evalEvery} epochs with the best weights kept
 * ({@link BestCheckpoint}), {@code checkpoint-last} for resuming. The output folder holds
 * {@code checkpoint-last.safetensors}, {@code checkpoint-best.safetensors}, {@code best.json},
 * {@code log.txt}.
 */
public final class Finetuning {
    private final Trainer<Batch> trainer;
    private final BestCheckpoint best;

    /**
     * @param onValidation called with (epoch, result) after each validation (pictures, printing); may be null
     */
    public Finetuning(FinetuneConfig cfg, ViTClassifier model, Optimizer optimizer, ClassificationData data,
                      TrainingListener listener, Path out, Checkpoint.DataInfo dataInfo,
                      BiConsumer<Integer, ValidationEvaluator.Result> onValidation) {
        this(cfg, model, optimizer, data, listener, out, dataInfo, onValidation, SingleProcess.INSTANCE);
    }

    /**
     * Data-parallel over {@code group}: {@code data.train()} delivers this rank's part of each
     * global batch; rank 0 alone validates and writes the checkpoints.
     */
    public Finetuning(FinetuneConfig cfg, ViTClassifier model, Optimizer optimizer, ClassificationData data,
                      TrainingListener listener, Path out, Checkpoint.DataInfo dataInfo,
                      BiConsumer<Integer, ValidationEvaluator.Result> onValidation, Collective group) {
        this.best = new BestCheckpoint(out);
        List<Evaluator.Scheduled> evaluators = new ArrayList<>();
        if (data.validation() != null) {
            ValidationEvaluator validation = new ValidationEvaluator(model, data.validation(), (epoch, r) -> {
                if (best.offer(epoch, r.top1(), file -> ClassifierCheckpoint.save(file, model, null, cfg,
                        new TrainState(epoch + 1, 0, 0, null), dataInfo))) {
                    listener.artifactWritten(out.resolve(ClassifierCheckpoint.BEST), "checkpoints");
                }
                if (onValidation != null) {
                    onValidation.accept(epoch, r);
                }
            });
            evaluators.add(new Evaluator.Scheduled(validation, cfg.evalEvery(), true));      // also where a run stops
        }
        this.trainer = new Trainer<>(cfg.loop(), new ClassificationTask(model, cfg), optimizer, data.train(), listener,
                state -> ClassifierCheckpoint.save(out.resolve(ClassifierCheckpoint.LAST), model, optimizer, cfg, state, dataInfo),
                evaluators, new EpochLog(out.resolve("log.txt")), group);
    }

    /** Fine-tuning's AdamW (0.9, 0.999, eps 1e-8) over the layer-wise lr decay groups (official {@code param_groups_lrd}). */
    public static AdamW optimizer(FinetuneConfig cfg, ViTClassifier model) {
        return new AdamW(model.params(), new AdamWConfig(0.9, 0.999, 1e-8, cfg.weightDecay()),
                ParamGroups.layerDecay(cfg.model().depth(), cfg.layerDecay()));
    }

    public Trainer<Batch> trainer() {
        return trainer;
    }

    public BestCheckpoint best() {
        return best;
    }
}
