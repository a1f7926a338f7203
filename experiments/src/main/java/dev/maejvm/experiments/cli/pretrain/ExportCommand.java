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
        description = "Write a checkpoint's weights as safetensors with timm's names: a pretraining checkpoint's encoder (or whole MAE),"
            + " a fine-tuned classifier (blocks.*, fc_norm.*, head.*), a linear probe (the encoder, head.0.* BatchNorm, head.1.* linear).")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./mae pretrain, finetune or linprobe (checkpoint-last or checkpoint-best).")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "The safetensors file to write.")
    Path out;

    @Option(names = "--encoder-only", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Only the encoder (what fine-tuning and timm need); --no-encoder-only writes the decoder too. Default: ${DEFAULT-VALUE}.")
    boolean encoderOnly;

    @Override
    public Integer call() throws Exception {
        Checkpoint.Kind kind = Checkpoint.info(checkpoint).kind();
        if (kind != Checkpoint.Kind.PRETRAIN) {
            return exportTransferred(kind);
        }
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

    /** A fine-tuned classifier or a probe: every tensor, by its timm / official name. */
    private int exportTransferred(Checkpoint.Kind kind) throws java.io.IOException {
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors = new java.util.LinkedHashMap<>();
        String preset;
        long step;
        if (kind == Checkpoint.Kind.FINETUNE) {
            dev.maejvm.finetune.cls.ClassifierCheckpoint.Loaded c = dev.maejvm.finetune.cls.ClassifierCheckpoint.load(checkpoint);
            tensors.putAll(StateDict.of(c.model().params()));
            preset = c.config().preset();
            step = c.info().state().step();
        } else if (kind == Checkpoint.Kind.LINPROBE) {
            dev.maejvm.finetune.probe.LinearProbe.Loaded p = dev.maejvm.finetune.probe.LinearProbe.load(checkpoint);
            tensors.putAll(StateDict.of(p.encoder()));
            tensors.putAll(StateDict.of(p.head().params()));
            preset = p.config().preset();
            step = p.info().state().step();
        } else {
            throw new IllegalArgumentException(checkpoint + " is a " + kind.label() + " checkpoint; export takes pretrain,"
                    + " finetune and linprobe checkpoints");
        }
        dev.maejvm.vit.io.SafeTensors.write(out, tensors, Map.of("source", checkpoint.toAbsolutePath().toString(),
                "step", String.valueOf(step), "preset", preset, "kind", "timm-" + kind.label()));
        System.err.printf("wrote %s (%s classifier of preset %s at step %d, %d tensors)%n", out, kind.label(), preset, step,
                tensors.size());
        return 0;
    }
}
