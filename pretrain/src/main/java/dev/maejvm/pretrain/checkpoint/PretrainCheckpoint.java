package dev.maejvm.pretrain.checkpoint;

import dev.maejvm.train.CodeVersion;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.TrainState;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A pretraining checkpoint: one safetensors file holding everything to continue exactly — the
 * model ({@code model.<timm name>}), AdamW's moments per parameter
 * ({@code optimizer.exp_avg.<timm name>}, {@code optimizer.exp_avg_sq.<timm name>}, so no tensor
 * outgrows safetensors' 2 GiB per tensor here even for vit-h14) — and in its metadata the resolved
 * config, epoch, iteration, step, seed, tracking run id, code version and data description.
 * Written to a temporary name, synced and renamed: a crash never leaves a half-written one.
 */
public final class PretrainCheckpoint {
    public static final String FORMAT = "mae-jvm-pretrain-checkpoint/2";
    /** Still read: the moments as two flat tensors, which outgrow 2 GiB from vit-h14 on. */
    static final String FORMAT_V1 = "mae-jvm-pretrain-checkpoint/1";
    public static final String FILE_NAME = "checkpoint-last.safetensors";
    private static final String MODEL = "model.";
    private static final String OPTIMIZER = "optimizer.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint says besides its tensors; mean/std are the input normalisation (null if unknown). */
    public record Info(Map<String, String> config, TrainState state, String data, float[] mean, float[] std,
                       String codeVersion, String created) {}

    /** The data a model was trained on: a description and the per-channel normalisation of its inputs. */
    public record DataInfo(String description, float[] mean, float[] std) {}

    private PretrainCheckpoint() {}

    public static Path save(Path file, MaskedAutoencoder model, AdamW optimizer, PretrainConfig cfg, TrainState state,
                            DataInfo data) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        StateDict.of(model).forEach((k, v) -> tensors.put(MODEL + k, v));
        optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", JSON.writeValueAsString(cfg.flatten()));
        meta.put("epoch", String.valueOf(state.epoch()));
        meta.put("batch_in_epoch", String.valueOf(state.batchInEpoch()));
        meta.put("step", String.valueOf(state.step()));
        meta.put("optimizer_step", String.valueOf(optimizer.step()));
        meta.put("seed", String.valueOf(cfg.seed()));
        meta.put("run_id", state.runId() == null ? "" : state.runId());
        meta.put("data", data.description());
        meta.put("data_mean", JSON.writeValueAsString(data.mean()));
        meta.put("data_std", JSON.writeValueAsString(data.std()));
        meta.put("code_version", CodeVersion.get());
        meta.put("created", Instant.now().toString());
        SafeTensors.write(file, tensors, meta);
        return file;
    }

    /** Reads only the metadata (config, state) of a checkpoint: its header, not its tensors. */
    public static Info info(Path file) throws IOException {
        return info(file, SafeTensors.readHeader(file).metadata());
    }

    /**
     * Restores model and optimiser; returns the state to continue from. Names and shapes are
     * checked from the header before anything is copied; then the tensors are read one at a time
     * into place, so memory holds the model and one tensor, not the checkpoint as well.
     */
    public static Info restore(Path file, MaskedAutoencoder model, AdamW optimizer) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Info info = info(file, header.metadata());
        Map<String, INDArray> state = optimizer.state();
        boolean flat = FORMAT_V1.equals(header.metadata().get("format"));       // format /1: two flat tensors
        checkOptimizerState(file, header, flat, state, model.params().gradSize());
        StateDict.load(file, MODEL, model.params(), true);
        SafeTensors.stream(file, model.params().dataType(), t -> t.name().startsWith(OPTIMIZER), (t, v) -> {
            String key = t.name().substring(OPTIMIZER.length());
            if (!flat) {
                state.get(key).assign(v);
                return;
            }
            String prefix = key.equals("exp_avg") ? AdamW.EXP_AVG : AdamW.EXP_AVG_SQ;
            for (Param p : model.params().trainableParams()) {
                state.get(prefix + p.name()).assign(p.gradSliceOf(v));
            }
        });
        optimizer.restoreStep(Long.parseLong(header.metadata().getOrDefault("optimizer_step", "0")));
        return info;
    }

    /** Every moment present with its parameter's shape, and nothing else under optimizer. */
    private static void checkOptimizerState(Path file, SafeTensors.Header header, boolean flat, Map<String, INDArray> state,
                                            long size) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        if (flat) {
            expected.put("exp_avg", new long[] {size});
            expected.put("exp_avg_sq", new long[] {size});
        } else {
            state.forEach((k, v) -> expected.put(k, v.shape()));
        }
        expected.forEach((k, shape) -> {
            SafeTensors.TensorInfo t = header.tensors().get(OPTIMIZER + k);
            if (t == null) {
                throw new IllegalArgumentException(file + ": optimizer state has no " + k);
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(file + ": optimizer state " + k + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
            }
        });
        header.tensors().keySet().stream().filter(k -> k.startsWith(OPTIMIZER))
                .filter(k -> !expected.containsKey(k.substring(OPTIMIZER.length()))).findFirst().ifPresent(k -> {
                    throw new IllegalArgumentException(file + ": unexpected optimizer state " + k);
                });
    }

    /** A model rebuilt from a checkpoint, with the config and state it was saved with. */
    public record Loaded(MaskedAutoencoder model, PretrainConfig config, Info info) {}

    /** Rebuilds the checkpoint's model (float32) for inference or export. */
    public static Loaded loadModel(Path file) throws IOException {
        Info info = info(file);
        PretrainConfig cfg = PretrainConfig.fromFlat(info.config());
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 0);
        StateDict.load(file, MODEL, model.params(), true);     // the optimiser state is not read
        return new Loaded(model, cfg, info);
    }

    /** The checkpoint in an output folder, if one is there. */
    public static java.util.Optional<Path> find(Path outDir) {
        Path p = outDir.resolve(FILE_NAME);
        return Files.isRegularFile(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
    }

    private static Info info(Path file, Map<String, String> meta) throws IOException {
        if (!FORMAT.equals(meta.get("format")) && !FORMAT_V1.equals(meta.get("format"))) {
            throw new IllegalArgumentException(file + ": not a pretraining checkpoint (format '" + meta.get("format")
                    + "', expected '" + FORMAT + "' or the older '" + FORMAT_V1 + "')");
        }
        Map<String, String> config = JSON.readValue(meta.get("config"), new TypeReference<LinkedHashMap<String, String>>() {});
        String runId = meta.getOrDefault("run_id", "");
        TrainState state = new TrainState(Integer.parseInt(meta.get("epoch")), Integer.parseInt(meta.get("batch_in_epoch")),
                Long.parseLong(meta.get("step")), runId.isEmpty() ? null : runId);
        float[] mean = meta.containsKey("data_mean") ? JSON.readValue(meta.get("data_mean"), float[].class) : null;
        float[] std = meta.containsKey("data_std") ? JSON.readValue(meta.get("data_std"), float[].class) : null;
        return new Info(config, state, meta.get("data"), mean, std, meta.get("code_version"), meta.get("created"));
    }
}
