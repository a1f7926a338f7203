package dev.maejvm.pretrain.train;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.train.BatchSource;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.Evaluator;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.LrSchedule;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MAE pretraining: the shared {@link Trainer} over a {@link MaeTask}, with the run's
 * reconstruction pictures after every epoch and where a run stops, and any further evaluators
 * (the kNN monitor) on their own schedules; their metrics go into the epoch log and the
 * listener's epoch event.
 */
public final class Pretrainer {

    /** Called after every epoch, and where a run stops early (reconstruction pictures). */
    @FunctionalInterface
    public interface EpochHook {
        void epochEnded(int epoch, MaskedAutoencoder model);
    }

    private final Trainer<INDArray> trainer;

    public Pretrainer(PretrainConfig cfg, MaskedAutoencoder model, Optimizer optimizer, BatchSource<INDArray> data,
                      TrainingListener listener, Trainer.Checkpointer checkpointer, EpochHook epochHook, EpochLog epochLog) {
        this(cfg, model, optimizer, data, listener, checkpointer, epochHook, epochLog, List.of());
    }

    /**
     * @param evaluators run after the pictures of an epoch, each on its schedule (e.g. the kNN
     *     monitor: {@code new Evaluator.Scheduled(knn, every, false)})
     */
    public Pretrainer(PretrainConfig cfg, MaskedAutoencoder model, Optimizer optimizer, BatchSource<INDArray> data,
                      TrainingListener listener, Trainer.Checkpointer checkpointer, EpochHook epochHook, EpochLog epochLog,
                      List<Evaluator.Scheduled> evaluators) {
        this(cfg, model, optimizer, data, listener, checkpointer, epochHook, epochLog, evaluators, SingleProcess.INSTANCE);
    }

    /**
     * Data-parallel over {@code group}: {@code data} delivers this rank's part of each global
     * batch of {@code cfg.batchSize()} ({@link BatchSplit}); rank 0 alone evaluates and writes.
     */
    public Pretrainer(PretrainConfig cfg, MaskedAutoencoder model, Optimizer optimizer, BatchSource<INDArray> data,
                      TrainingListener listener, Trainer.Checkpointer checkpointer, EpochHook epochHook, EpochLog epochLog,
                      List<Evaluator.Scheduled> evaluators, Collective group) {
        Evaluator pictures = epoch -> {
            epochHook.epochEnded(epoch, model);
            return Map.of();
        };
        List<Evaluator.Scheduled> all = new ArrayList<>();
        all.add(new Evaluator.Scheduled(pictures, 1, true));
        all.addAll(evaluators);
        int rowOffset = new BatchSplit(group.rank(), group.size()).from(cfg.batchSize());
        this.trainer = new Trainer<>(cfg.loop(), new MaeTask(model, cfg.maskRatio(), cfg.seed(), rowOffset), optimizer, data,
                listener, checkpointer, all, epochLog, group);
    }

    /** The shared loop this runs (for a {@link dev.maejvm.train.RunSession}). */
    public Trainer<INDArray> trainer() {
        return trainer;
    }

    public LrSchedule schedule() {
        return trainer.schedule();
    }

    /** Asks the loop to stop after the current iteration, write a checkpoint and return. */
    public void requestStop() {
        trainer.requestStop();
    }

    public Trainer.Result run(TrainState start) {
        return trainer.run(start);
    }
}
