package dev.maejvm.experiments.tracking;

import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import java.nio.file.Path;
import java.util.Map;

/**
 * A sweep: a parent run (kind "sweep", its own journal in the sweep's folder) whose children are
 * the runs it launches. A child carries {@code mlflow.parentRunId} ({@link #childLineage}), so
 * MLflow shows it nested under the parent.
 */
public final class Sweep implements AutoCloseable {
    private final Tracker parent;
    private final String parentRunId;

    private Sweep(Tracker parent, String parentRunId) {
        this.parent = parent;
        this.parentRunId = parentRunId;
    }

    /**
     * Starts the parent run.
     *
     * @param params what the sweep varies and over which values, flattened
     */
    public static Sweep start(TrackingConfig config, DeliverySettings settings, String name, Map<String, String> params,
                              Path dir) {
        return start(config, settings, name, params, dir, null);
    }

    /**
     * Starts the parent run, or continues it: a sweep resumed after a stop keeps its parent run
     * (and its journal in dir), so MLflow shows one experiment, not one per sitting.
     *
     * @param resumedRunId the run id a first start returned, or null for a new run
     */
    public static Sweep start(TrackingConfig config, DeliverySettings settings, String name, Map<String, String> params,
                              Path dir, String resumedRunId) {
        Tracker t = new Tracker(config, settings);
        String id = t.runStarted(new RunStart("sweep", name, params, Map.of(), dir, resumedRunId, 0));
        return new Sweep(t, id);
    }

    public String parentRunId() {
        return parentRunId;
    }

    /** The lineage of a child run (add a source checkpoint with {@link Lineage#fromCheckpoint}{@code .inSweep(id)}). */
    public Lineage childLineage() {
        return new Lineage(null, null, parentRunId);
    }

    /** Ends the parent run. */
    public void end(RunStatus status, String message) {
        parent.runEnded(status, message);
    }

    @Override
    public void close() {
        parent.close();
    }
}
