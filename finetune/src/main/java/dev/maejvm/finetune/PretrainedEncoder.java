package dev.maejvm.finetune;

import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.weights.LoadOptions;
import dev.maejvm.vit.weights.LoadReport;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The encoder a transfer starts from: a pretraining checkpoint of this project (kind
 * {@code pretrain}, the MAE under {@code model.}, its config and input normalisation in the
 * metadata), or a safetensors file of timm-named encoder weights ({@code ./mae export}'s, or
 * timm's) with the preset named by the user. Loading is strict about the encoder: every one of its
 * tensors must be in the file with its shape; only the classifier's own {@code head.*} and
 * {@code fc_norm.*} may be missing (they keep their init); the file's other keys (the MAE's
 * decoder and mask token, the final {@code norm} under global pooling) are reported and skipped;
 * a position table of another grid is interpolated (bicubic) and said so.
 */
public final class PretrainedEncoder {

    /**
     * What a weight file holds.
     *
     * @param preset the preset of its encoder (from the checkpoint, or the user's)
     * @param encoder the encoder's config
     * @param prefix the tensor prefix of the encoder's timm names in the file
     * @param runId the tracking run that wrote it, or empty
     * @param mean its input normalisation, or null when the file does not say
     */
    public record Source(Path file, String preset, ViTConfig encoder, String prefix, String runId, float[] mean, float[] std) {}

    private PretrainedEncoder() {}

    /**
     * Reads what a weight file is, without its tensors.
     *
     * @param preset the user's preset, or null; a checkpoint of another preset is refused naming both;
     *     a plain safetensors file needs it
     */
    public static Source inspect(Path file, String preset) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file (--pretrained takes a pretraining checkpoint or"
                    + " timm-named encoder weights in safetensors)");
        }
        Map<String, String> meta = SafeTensors.readHeader(file).metadata();
        if (meta.containsKey("kind") || String.valueOf(meta.get("format")).startsWith("mae-jvm-")) {
            Checkpoint.Info info = Checkpoint.info(file);
            if (info.kind() != Checkpoint.Kind.PRETRAIN) {
                throw new IllegalArgumentException(file + " is a " + info.kind().label() + " checkpoint, but a pretrain"
                        + " checkpoint (or timm-named encoder weights) is needed to transfer from");
            }
            PretrainConfig cfg = PretrainConfig.fromFlat(info.config());
            if (preset != null && !preset.equals(cfg.preset())) {
                throw new IllegalArgumentException(file + " holds a " + cfg.preset() + " encoder, but --preset " + preset
                        + " was asked for");
            }
            String runId = info.state().runId() == null ? "" : info.state().runId();
            return new Source(file, cfg.preset(), cfg.model().encoder(), "model.", runId, info.mean(), info.std());
        }
        if (preset == null) {
            throw new IllegalArgumentException(file + " is a plain safetensors file: name its model with --preset ("
                    + MaeConfig.PRESETS.keySet() + ")");
        }
        return new Source(file, preset, MaeConfig.preset(preset).encoder(), "", "", null, null);
    }

    /** The keys a classifier may lack in a pretrained file: its head, and fc_norm under global pooling. */
    public static boolean mayBeMissing(String name) {
        return name.startsWith("head.") || name.startsWith("fc_norm.");
    }

    /**
     * Copies the encoder's weights into a classifier (built, not yet trained).
     *
     * @return the keys left at their init, skipped, and interpolated
     */
    public static LoadReport load(Source src, ViTClassifier model) throws IOException {
        return load(src, model.params(), model.config(), PretrainedEncoder::mayBeMissing);
    }

    /**
     * Copies the encoder's weights into a store holding a {@link dev.maejvm.vit.model.VisionTransformer}
     * of config {@code cfg} (a probe's frozen encoder: nothing may be missing).
     */
    public static LoadReport load(Source src, dev.maejvm.vit.engine.ParamStore store, ViTConfig cfg,
                                  java.util.function.Predicate<String> mayBeMissing) throws IOException {
        ViTConfig enc = src.encoder();
        if (enc.embedDim() != cfg.embedDim() || enc.depth() != cfg.depth() || enc.patchSize() != cfg.patchSize()
                || enc.inChans() != cfg.inChans()) {
            throw new IllegalArgumentException(src.file() + " holds a " + enc.embedDim() + "-d x " + enc.depth()
                    + " encoder with patch " + enc.patchSize() + " and " + enc.inChans() + " channels; the model is "
                    + cfg.embedDim() + "-d x " + cfg.depth() + ", patch " + cfg.patchSize() + ", " + cfg.inChans() + " channels");
        }
        LoadOptions options = LoadOptions.LENIENT.allowMissing(mayBeMissing)
                .interpolatePositionsTo(cfg.gridHeight(), cfg.gridWidth());
        return StateDict.load(src.file(), src.prefix(), store, options);
    }
}
