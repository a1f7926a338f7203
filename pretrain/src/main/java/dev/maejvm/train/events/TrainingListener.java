package dev.maejvm.train.events;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a training loop tells the outside world. Pretraining, fine-tuning, probing and
 * detection loops all call it; tracking (MLflow, the run journal) and progress display
 * implement it. Model and training code never import a tracking library.
 *
 * <p>Order: {@link #runStarted} once, then any number of {@link #stepEnded},
 * {@link #epochEnded} and {@link #artifactWritten}, then {@link #runEnded} exactly once (also
 * after a failure). Implementations must not throw for tracking trouble: training never fails
 * because of a listener.
 */
public interface TrainingListener {

    /**
     * Called once before the first step.
     *
     * @return the tracking run id the loop should store in its checkpoints (so that a resumed
     *     run continues the same tracking run), or null if this listener does not track runs
     */
    default String runStarted(RunStart start) {
        return null;
    }

    /** After every optimiser step (global step numbering, 1-based, continues across resume). */
    default void stepEnded(long step, int epoch, Map<String, Double> metrics) {}

    /** After every epoch, with its summary and evaluation metrics. */
    default void epochEnded(int epoch, long step, Map<String, Double> metrics) {}

    /**
     * A file the run produced (config, epoch log, picture, checkpoint, exported weights).
     *
     * @param artifactDir the folder inside the run's artifacts, e.g. "checkpoints", or "" for the root
     */
    default void artifactWritten(Path file, String artifactDir) {}

    /** Called once at the end, whatever happened. */
    default void runEnded(RunStatus status, String message) {}
}
