package dev.maejvm.experiments.cli.pretrain;

import dev.maejvm.train.Checkpoint;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.weights.StateDict;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mae export}: a checkpoint's weights as safetensors with timm's names and layouts. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a pretraining checkpoint's weights as safetensors with timm's names (loadable by timm's VisionTransformer).")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A pretraining checkpoint (checkpoint-last.safetensors).")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "The safetensors file to write.")
    Path out;

    @Option(names = "--encoder-only", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Only the encoder (what fine-tuning and timm need); --no-encoder-only writes the decoder too. Default: ${DEFAULT-VALUE}.")
    boolean encoderOnly;

    @Override
    public Integer call() throws Exception {
        PretrainCheckpoint.Loaded loaded = PretrainCheckpoint.loadModel(checkpoint);
        Checkpoint.Info info = loaded.info();
        PretrainConfig cfg = loaded.config();
        MaskedAutoencoder model = loaded.model();
        StateDict.save(out, model, encoderOnly, Map.of("source", checkpoint.toAbsolutePath().toString(),
                "step", String.valueOf(info.state().step()), "preset", cfg.preset()));
        System.err.printf("wrote %s (%s of preset %s at step %d)%n", out, encoderOnly ? "encoder" : "whole MAE",
                cfg.preset(), info.state().step());
        return 0;
    }
}
