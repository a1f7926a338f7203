package dev.maejvm.finetune.det;

import dev.maejvm.data.Batch;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.finetune.cls.BestCheckpoint;
import dev.maejvm.finetune.det.eval.CocoGroundTruth;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.Evaluator;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.train.optim.ParamGroups;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Detector training: the shared {@link Trainer} over a {@link DetectionTask}, COCO evaluation on
 * the validation set every {@code evalEvery} epochs with the best AP's weights kept,
 * {@code checkpoint-last} for resuming. The output folder holds both checkpoints, {@code best.json}
 * ({@code AP}), {@code log.txt} (the losses and the 12 COCO numbers per epoch).
 */
public final class DetectionTraining {
    private final Trainer<Batch> trainer;
    private final BestCheckpoint best;

    /**
     * @param val the validation set and its ground truth (null: no evaluation)
     * @param onEvaluation called with (epoch, result) after each evaluation (pictures, printing); may be null
     */
    public DetectionTraining(DetectConfig cfg, Detector model, AdamW optimizer, DetectionData data, CocoDataset val,
                             CocoGroundTruth valTruth, CategoryMap categories, TrainingListener listener, Path out,
                             Checkpoint.DataInfo dataInfo, BiConsumer<Integer, DetectionEvaluator.Result> onEvaluation) {
        this(cfg, model, optimizer, data, val, valTruth, categories, listener, out, dataInfo, onEvaluation,
                dev.maejvm.train.dist.SingleProcess.INSTANCE);
    }

    /**
     * Data-parallel over {@code group}: {@code data.train()} delivers this rank's part of each
     * global batch; rank 0 alone evaluates and writes the checkpoints. The positives the losses
     * are divided by are counted over the global batch ({@link DetectionTask}), so N ranks compute
     * the one process's gradient (to float32 summation order; drop path's draws are each rank's).
     */
    public DetectionTraining(DetectConfig cfg, Detector model, AdamW optimizer, DetectionData data, CocoDataset val,
                             CocoGroundTruth valTruth, CategoryMap categories, TrainingListener listener, Path out,
                             Checkpoint.DataInfo dataInfo, BiConsumer<Integer, DetectionEvaluator.Result> onEvaluation,
                             dev.maejvm.train.dist.Collective group) {
        this.best = new BestCheckpoint(out, "AP");
        List<Evaluator.Scheduled> evaluators = new ArrayList<>();
        if (val != null && data.validation() != null) {
            evaluators.add(new Evaluator.Scheduled(new DetectionEvaluator(model, val, valTruth, data.validation(), categories,
                    (epoch, r) -> {
                        if (best.offer(epoch, r.metrics().get("AP"), file -> DetectorCheckpoint.save(file, model, null, cfg,
                                new TrainState(epoch + 1, 0, 0, null), dataInfo))) {
                            listener.artifactWritten(out.resolve(DetectorCheckpoint.BEST), "checkpoints");
                        }
                        if (onEvaluation != null) {
                            onEvaluation.accept(epoch, r);
                        }
                    }), cfg.evalEvery(), true));
        }
        this.trainer = new Trainer<>(cfg.loop(), new DetectionTask(model, categories, group), optimizer, data.train(), listener,
                state -> DetectorCheckpoint.save(out.resolve(DetectorCheckpoint.LAST), model, optimizer, cfg, state, dataInfo),
                evaluators, new EpochLog(out.resolve("log.txt")), group);
    }

    /** ViTDet's AdamW (0.9, 0.999, eps 1e-8) over its groups: layer decay in the backbone, no decay on norms and positions. */
    public static AdamW optimizer(DetectConfig cfg, Detector model) {
        return new AdamW(model.params(), new AdamWConfig(0.9, 0.999, 1e-8, cfg.weightDecay()),
                ParamGroups.vitDet(cfg.model().depth(), cfg.layerDecay(), model::isNorm));
    }

    public Trainer<Batch> trainer() {
        return trainer;
    }

    public BestCheckpoint best() {
        return best;
    }
}
