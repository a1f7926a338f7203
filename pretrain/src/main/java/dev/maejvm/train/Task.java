package dev.maejvm.train;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;

/**
 * What a training task does with one batch; the {@link Trainer} does everything else (epochs,
 * accumulation, clipping, the lr schedule, the optimiser step, events, checkpoints). A task is
 * MAE pretraining, fine-tuning, a linear probe or a detector.
 *
 * @param <B> the batch type (images; images and labels; images and boxes)
 */
public interface Task<B> {

    /** The parameters the task trains (their gradients are what {@link #step} adds to). */
    ParamStore params();

    /**
     * Forward and backward of one batch: adds d loss / d parameter to the store's gradients.
     *
     * @param iteration the global iteration (epoch * batchesPerEpoch + batch), for the task's own
     *     random numbers (MAE's masking), which must depend on it only so that resume replays them
     * @param ctx the training pass's context (its random source is seeded from the seed and the iteration)
     */
    StepResult step(B batch, long iteration, Ctx ctx);

    /**
     * The loss and what else a step measured.
     *
     * @param loss the batch's loss (non-finite stops the run)
     * @param examples the examples in the batch (for images/s)
     * @param metrics further per-step metrics (accuracy, loss parts), reported with the loss; may be empty
     */
    record StepResult(double loss, int examples, java.util.Map<String, Double> metrics) {
        public StepResult {
            metrics = java.util.Map.copyOf(metrics);
        }
    }
}
