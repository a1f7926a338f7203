package dev.maejvm.experiments.tracking;


import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a run comes from: the pretraining run and checkpoint a fine-tuning, probing or detection
 * run starts from, and the sweep (parent run) it belongs to. Put {@link #tags} and {@link
 * #params} into the run's {@code RunStart}. Run ids here are the ones checkpoints store (journal
 * run ids); delivery turns them into the MLflow run ids they went to, so {@code mlflow.parentRunId}
 * nests the run under its sweep in the MLflow UI.
 *
 * @param sourceRunId the run id stored in the checkpoint, or null
 * @param checkpoint the checkpoint the run starts from, or null
 * @param parentRunId the sweep's run id, or null
 */
public record Lineage(String sourceRunId, Path checkpoint, String parentRunId) {
    public static final String SOURCE_RUN_ID = "mae.source.run_id";
    public static final String SOURCE_CHECKPOINT = "mae.source.checkpoint";
    public static final String PARENT_RUN_ID = "mlflow.parentRunId";

    public Lineage {
        if (sourceRunId != null && sourceRunId.isBlank()) {
            sourceRunId = null;
        }
        if (parentRunId != null && parentRunId.isBlank()) {
            parentRunId = null;
        }
        checkpoint = checkpoint == null ? null : checkpoint.toAbsolutePath().normalize();
    }

    /** A run that starts from a checkpoint (its stored run id may be null: an untracked or imported one). */
    public static Lineage fromCheckpoint(String sourceRunId, Path checkpoint) {
        return new Lineage(sourceRunId, checkpoint, null);
    }

    /** The same lineage, as a child of a sweep. */
    public Lineage inSweep(String parentRunId) {
        return new Lineage(sourceRunId, checkpoint, parentRunId);
    }

    public Map<String, String> tags() {
        Map<String, String> t = new LinkedHashMap<>();
        if (sourceRunId != null) {
            t.put(SOURCE_RUN_ID, sourceRunId);
        }
        if (checkpoint != null) {
            t.put(SOURCE_CHECKPOINT, checkpoint.toString());
        }
        if (parentRunId != null) {
            t.put(PARENT_RUN_ID, parentRunId);
        }
        return t;
    }

    /** The checkpoint as a param too (params are what MLflow's compare view lines up). */
    public Map<String, String> params() {
        Map<String, String> p = new LinkedHashMap<>();
        if (checkpoint != null) {
            p.put("source.checkpoint", checkpoint.toString());
        }
        if (sourceRunId != null) {
            p.put("source.run_id", sourceRunId);
        }
        return p;
    }
}
