package dev.maejvm.finetune.cls;

import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.model.ViTClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A fine-tuning checkpoint: a {@link Checkpoint} of kind {@code finetune} with the classifier
 * under {@code model.} (timm names: {@code patch_embed.*}, {@code blocks.*}, {@code fc_norm.*},
 * {@code head.*}) and the run's {@link FinetuneConfig}. {@code checkpoint-last} continues a run
 * (with the optimiser state); {@code checkpoint-best} holds the weights of the best validation top-1.
 */
public final class ClassifierCheckpoint {
    public static final String LAST = "checkpoint-last.safetensors";
    public static final String BEST = "checkpoint-best.safetensors";
    public static final String MODEL = "model.";

    private ClassifierCheckpoint() {}

    /** @param optimizer null for a weights-only checkpoint (the best one) */
    public static Path save(Path file, ViTClassifier model, Optimizer optimizer, FinetuneConfig cfg, TrainState state,
                            Checkpoint.DataInfo data) throws IOException {
        return Checkpoint.save(file, Checkpoint.Kind.FINETUNE, Map.of(MODEL, model.params()), optimizer, cfg.flatten(),
                cfg.seed(), state, data);
    }

    public static Checkpoint.Info restore(Path file, ViTClassifier model, Optimizer optimizer) throws IOException {
        return Checkpoint.restore(file, Checkpoint.Kind.FINETUNE, Map.of(MODEL, model.params()), optimizer);
    }

    /** A classifier rebuilt from a checkpoint with its config. */
    public record Loaded(ViTClassifier model, FinetuneConfig config, Checkpoint.Info info) {}

    /** Rebuilds the checkpoint's classifier (float32) for evaluation or export. */
    public static Loaded load(Path file) throws IOException {
        Checkpoint.Info info = Checkpoint.info(file, Checkpoint.Kind.FINETUNE);
        FinetuneConfig cfg = FinetuneConfig.fromFlat(info.config());
        ViTClassifier model = ViTClassifier.create(cfg.model(), cfg.globalPool(), cfg.numClasses(), DataType.FLOAT, 0);
        Checkpoint.loadModels(file, Checkpoint.Kind.FINETUNE, Map.of(MODEL, model.params()));
        return new Loaded(model, cfg, info);
    }

    /** The last checkpoint in an output folder, if one is there. */
    public static Optional<Path> find(Path outDir) {
        Path p = outDir.resolve(LAST);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
