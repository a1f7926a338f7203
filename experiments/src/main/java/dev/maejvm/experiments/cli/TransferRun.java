package dev.maejvm.experiments.cli;

import dev.maejvm.experiments.progress.ProgressListener;
import dev.maejvm.experiments.tracking.Lineage;
import dev.maejvm.experiments.tracking.Tracker;
import dev.maejvm.experiments.tracking.TrackingOptions;
import dev.maejvm.finetune.PretrainedEncoder;
import dev.maejvm.finetune.cls.BestCheckpoint;
import dev.maejvm.train.RunSession;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.events.TrainingListeners;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run around a transfer command's trainer ({@code finetune}, {@code linprobe},
 * {@code detect train}), under any number of ranks: rank 0 alone tracks it (the run journal,
 * MLflow) and shows progress, the other ranks listen to nothing; the tags that link it to the
 * pretraining its weights came from; the lines printed at its end.
 */
public final class TransferRun {
    private final DataParallel job;
    private final TrainingListener listener;
    private final RunSession session;

    private TransferRun(DataParallel job, TrainingListener listener, RunSession session) {
        this.job = job;
        this.listener = listener;
        this.session = session;
    }

    /**
     * Whether a resumed checkpoint is already at the run's last step, which is then said on rank 0
     * (with how to go on) and nothing is run.
     */
    public static boolean nothingToDo(DataParallel job, TrainState start, long totalSteps) {
        if (start.step() < totalSteps) {
            return false;
        }
        if (job.root()) {
            System.err.printf("nothing to do: the checkpoint is at step %d of %d (raise --epochs to go on)%n", start.step(),
                    totalSteps);
        }
        return true;
    }

    /** The run's listeners: on rank 0 the tracking options' journal and a console progress bar over totalSteps. */
    public static TransferRun open(DataParallel job, TrackingOptions tracking, long totalSteps) {
        if (!job.root()) {
            TrainingListener none = new TrainingListeners(List.of());
            return new TransferRun(job, none, new RunSession(none, null));
        }
        Tracker journal = tracking.listener();
        TrainingListener listener = new TrainingListeners(List.of(journal, ProgressListener.forConsole(totalSteps)));
        return new TransferRun(job, listener, new RunSession(listener, journal::close));
    }

    public TrainingListener listener() {
        return listener;
    }

    public RunSession session() {
        return session;
    }

    /**
     * The tags of a transfer run: its data, and where its encoder came from: {@code mae.init}
     * (pretrained or scratch) and the pretraining run's lineage when the weights name one; a
     * resumed run whose source is no longer inspected keeps at least the checkpoint's path.
     *
     * @param fromScratch null for a command that always starts from pretrained weights
     * @param source the inspected pretrained weights, or null (scratch, or resumed)
     * @param resumedFrom the pretrained file a resumed run started from, or null
     */
    public static Map<String, String> tags(String data, Boolean fromScratch, PretrainedEncoder.Source source, String resumedFrom) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("mae.data", data);
        if (fromScratch != null) {
            tags.put("mae.init", fromScratch ? "scratch" : "pretrained");
        }
        if (source != null && !source.runId().isEmpty()) {
            tags.putAll(Lineage.fromCheckpoint(source.runId(), source.file()).tags());
        } else if (source == null && resumedFrom != null && !resumedFrom.isEmpty()) {
            tags.put(Lineage.SOURCE_CHECKPOINT, resumedFrom);
        }
        return tags;
    }

    /**
     * The end of a run on rank 0: its last step and loss, the best evaluation and the files to
     * look at, and the images it skipped; the last checkpoint is recorded as an artifact.
     *
     * @param metric how the best evaluation reads ({@code val top-1}, {@code AP})
     * @param unit after the best value ({@code " %"} or empty)
     * @param bestFile the best evaluation's checkpoint, or null when the command keeps none
     * @param logFile the epoch log, or null
     */
    public void printDone(Trainer.Result result, BestCheckpoint best, String metric, String unit, Path bestFile, Path last,
                          Path logFile, List<String> skipped) {
        if (!job.root()) {
            return;
        }
        System.err.printf("%ndone at step %d (last loss %.4f).%n", result.state().step(), result.lastLoss());
        String bestLine = best.bestEpoch() < 0 ? "none (no validation data)"
                : String.format("%.2f%s at epoch %d", best.best(), unit, best.bestEpoch())
                        + (bestFile == null ? "" : " (" + bestFile.toAbsolutePath() + ")");
        System.err.printf("  %-16s %s%n", "best " + metric + ":", bestLine);
        System.err.printf("  %-16s %s%n", "checkpoint:", last.toAbsolutePath());
        if (logFile != null) {
            System.err.printf("  %-16s %s%n", "epoch log:", logFile.toAbsolutePath());
        }
        listener.artifactWritten(last, "checkpoints");
        skipped.forEach(s -> System.err.println("  skipped unreadable image: " + s));
    }
}
