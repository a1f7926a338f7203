package dev.maejvm.finetune.det;

import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A detection checkpoint: a {@link Checkpoint} of kind {@code detect} with the detector under
 * {@code model.} (the backbone with timm's names, {@code simfp_*}, {@code head.*}) and the run's
 * {@link DetectConfig}. {@code checkpoint-last} continues a run (with AdamW's state);
 * {@code checkpoint-best} holds the weights of the best validation AP.
 */
public final class DetectorCheckpoint {
    public static final String LAST = "checkpoint-last.safetensors";
    public static final String BEST = "checkpoint-best.safetensors";
    public static final String MODEL = "model.";

    private DetectorCheckpoint() {}

    /** @param optimizer null for a weights-only checkpoint (the best one) */
    public static Path save(Path file, Detector model, Optimizer optimizer, DetectConfig cfg, TrainState state,
                            Checkpoint.DataInfo data) throws IOException {
        return Checkpoint.save(file, Checkpoint.Kind.DETECT, Map.of(MODEL, model.params()), optimizer, cfg.flatten(),
                cfg.seed(), state, data);
    }

    public static Checkpoint.Info restore(Path file, Detector model, Optimizer optimizer) throws IOException {
        return Checkpoint.restore(file, Checkpoint.Kind.DETECT, Map.of(MODEL, model.params()), optimizer);
    }

    /** A detector rebuilt from a checkpoint with its config. */
    public record Loaded(Detector model, DetectConfig config, Checkpoint.Info info) {}

    /** Rebuilds the checkpoint's detector (float32) for evaluation or prediction. */
    public static Loaded load(Path file) throws IOException {
        Checkpoint.Info info = Checkpoint.info(file, Checkpoint.Kind.DETECT);
        DetectConfig cfg = DetectConfig.fromFlat(info.config());
        Detector model = Detector.create(cfg, DataType.FLOAT, 0);
        Checkpoint.loadModels(file, Checkpoint.Kind.DETECT, Map.of(MODEL, model.params()));
        return new Loaded(model, cfg, info);
    }

    public static Optional<Path> find(Path outDir) {
        Path p = outDir.resolve(LAST);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
