package dev.maejvm.train.events;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Several listeners seen as one; the first non-null run id wins. */
public final class TrainingListeners implements TrainingListener {
    private final List<TrainingListener> listeners;

    public TrainingListeners(List<TrainingListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public String runStarted(RunStart start) {
        String runId = null;
        for (TrainingListener l : listeners) {
            String id = l.runStarted(start);
            if (runId == null) {
                runId = id;
            }
        }
        return runId;
    }

    @Override
    public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
        listeners.forEach(l -> l.stepEnded(step, epoch, metrics));
    }

    @Override
    public void epochEnded(int epoch, long step, Map<String, Double> metrics) {
        listeners.forEach(l -> l.epochEnded(epoch, step, metrics));
    }

    @Override
    public void artifactWritten(Path file, String artifactDir) {
        listeners.forEach(l -> l.artifactWritten(file, artifactDir));
    }

    @Override
    public void runEnded(RunStatus status, String message) {
        listeners.forEach(l -> l.runEnded(status, message));
    }
}
