package dev.maejvm.pretrain.checkpoint;

import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A pretraining checkpoint: a {@link Checkpoint} of kind pretrain with the MAE under
 * {@code model.} (its timm-named parameters and the fixed position tables) and the config of the
 * run. Reads the older pretraining formats too.
 */
public final class PretrainCheckpoint {
    public static final String FILE_NAME = "checkpoint-last.safetensors";
    public static final String MODEL = "model.";

    private PretrainCheckpoint() {}

    public static Path save(Path file, MaskedAutoencoder model, Optimizer optimizer, PretrainConfig cfg, TrainState state,
                            Checkpoint.DataInfo data) throws IOException {
        return Checkpoint.save(file, Checkpoint.Kind.PRETRAIN, Map.of(MODEL, model.params()), optimizer, cfg.flatten(),
                cfg.seed(), state, data);
    }

    /** Reads only the metadata (config, state) of a pretraining checkpoint; another kind is refused. */
    public static Checkpoint.Info info(Path file) throws IOException {
        return Checkpoint.info(file, Checkpoint.Kind.PRETRAIN);
    }

    /** Restores model and optimiser; returns the state to continue from. */
    public static Checkpoint.Info restore(Path file, MaskedAutoencoder model, Optimizer optimizer) throws IOException {
        return Checkpoint.restore(file, Checkpoint.Kind.PRETRAIN, Map.of(MODEL, model.params()), optimizer);
    }

    /** A model rebuilt from a checkpoint, with the config and state it was saved with. */
    public record Loaded(MaskedAutoencoder model, PretrainConfig config, Checkpoint.Info info) {}

    /** Rebuilds the checkpoint's model (float32) for inference, export or transfer. */
    public static Loaded loadModel(Path file) throws IOException {
        Checkpoint.Info info = info(file);
        PretrainConfig cfg = PretrainConfig.fromFlat(info.config());
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 0);
        Checkpoint.loadModels(file, Checkpoint.Kind.PRETRAIN, Map.of(MODEL, model.params()));
        return new Loaded(model, cfg, info);
    }

    /** The checkpoint in an output folder, if one is there. */
    public static Optional<Path> find(Path outDir) {
        Path p = outDir.resolve(FILE_NAME);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
