package dev.maejvm.train.events;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a run is, told once at its start.
 *
 * @param kind the command that runs: "pretrain", "finetune", "linprobe", "detect", ...
 * @param runName a human name for the run
 * @param params the resolved config, flattened to dotted keys ("model.embedDim" -> "192")
 * @param tags extra tags, e.g. lineage ("mae.source.run_id" -> the pretraining run)
 * @param outputDir the run's output folder (checkpoints, pictures, the run journal)
 * @param resumedRunId the tracking run id stored in the checkpoint being resumed, or null
 * @param startStep the last step already done (0 for a fresh run); steps up to it are not re-logged
 */
public record RunStart(
        String kind,
        String runName,
        Map<String, String> params,
        Map<String, String> tags,
        Path outputDir,
        String resumedRunId,
        long startStep) {

    public RunStart {
        params = Map.copyOf(params);
        tags = Map.copyOf(tags);
    }
}
