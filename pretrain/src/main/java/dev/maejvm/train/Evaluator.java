package dev.maejvm.train;

import java.util.Map;

/**
 * Something measured on the model between epochs: validation top-1, kNN accuracy, AP,
 * reconstruction pictures. Its metrics are reported with the epoch's (tracking, the epoch log).
 */
@FunctionalInterface
public interface Evaluator {

    /** @return metrics by name, e.g. {@code val_top1}; may be empty (pictures) */
    Map<String, Double> evaluate(int epoch);

    /**
     * An evaluator and when it runs.
     *
     * @param everyEpochs after every this many epochs, and after the last
     * @param whenStopped also where a run stops mid-epoch (at maxSteps or on a stop request)
     */
    record Scheduled(Evaluator evaluator, int everyEpochs, boolean whenStopped) {
        public Scheduled {
            if (everyEpochs < 1) {
                throw new IllegalArgumentException("everyEpochs must be >= 1, got " + everyEpochs);
            }
        }

        /** Whether it runs after this epoch (0-based) of a run of {@code epochs}. */
        boolean after(int epoch, int epochs) {
            return (epoch + 1) % everyEpochs == 0 || epoch + 1 == epochs;
        }
    }
}
