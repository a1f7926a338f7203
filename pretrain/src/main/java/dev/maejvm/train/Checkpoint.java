package dev.maejvm.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.weights.LoadOptions;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training checkpoint of any task: one safetensors file holding everything to continue
 * exactly. Tensors: each model's state dict (parameters and named buffers) under its prefix
 * ({@code model.} for the MAE; e.g. {@code encoder.} and {@code head.} elsewhere) and the
 * optimiser's state under {@code optimizer.} ({@code optimizer.exp_avg.<name>}, ..., one tensor
 * per parameter, so none outgrows safetensors' 2 GiB per tensor). Metadata: the format, the
 * {@link Kind}, the resolved config as dotted keys (JSON), epoch, iteration, step, optimiser step,
 * seed, tracking run id, data description and normalisation, code version, time. Written to a
 * temporary name, synced and renamed: a crash never leaves a half-written one.
 *
 * <p>Reads this format and the pretraining checkpoints of formats {@code /2} and {@code /1}
 * (kind pretrain, model under {@code model.}; /1 kept the moments as two flat tensors).
 */
public final class Checkpoint {
    public static final String FORMAT = "mae-jvm-checkpoint/3";
    static final String PRETRAIN_V2 = "mae-jvm-pretrain-checkpoint/2";
    static final String PRETRAIN_V1 = "mae-jvm-pretrain-checkpoint/1";
    public static final String OPTIMIZER = "optimizer.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the checkpoint is of: a checkpoint of one kind is refused where another is expected. */
    public enum Kind {
        PRETRAIN, FINETUNE, LINPROBE, DETECT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The data a model was trained on: a description and the per-channel normalisation of its inputs. */
    public record DataInfo(String description, float[] mean, float[] std) {}

    /** What a checkpoint says besides its tensors; mean/std are the input normalisation (null if unknown). */
    public record Info(Kind kind, Map<String, String> config, TrainState state, String data, float[] mean, float[] std,
                       String codeVersion, String created) {}

    private Checkpoint() {}

    /**
     * @param models each model's store by its tensor prefix (e.g. {@code "model."})
     * @param optimizer the optimiser whose state continues, or null (none stored)
     */
    public static Path save(Path file, Kind kind, Map<String, ParamStore> models, Optimizer optimizer,
                            Map<String, String> config, long seed, TrainState state, DataInfo data) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        models.forEach((prefix, store) -> StateDict.of(store).forEach((k, v) -> tensors.put(prefix + k, v)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("kind", kind.label());
        meta.put("config", JSON.writeValueAsString(config));
        meta.put("epoch", String.valueOf(state.epoch()));
        meta.put("batch_in_epoch", String.valueOf(state.batchInEpoch()));
        meta.put("step", String.valueOf(state.step()));
        if (optimizer != null) {
            optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER + k, v));
            meta.put("optimizer_step", String.valueOf(optimizer.step()));
        }
        meta.put("seed", String.valueOf(seed));
        meta.put("run_id", state.runId() == null ? "" : state.runId());
        meta.put("data", data.description());
        meta.put("data_mean", JSON.writeValueAsString(data.mean()));
        meta.put("data_std", JSON.writeValueAsString(data.std()));
        meta.put("code_version", CodeVersion.get());
        meta.put("created", Instant.now().toString());
        SafeTensors.write(file, tensors, meta);
        return file;
    }

    /** Reads only the metadata of a checkpoint: its header, not its tensors. */
    public static Info info(Path file) throws IOException {
        return info(file, SafeTensors.readHeader(file).metadata());
    }

    /** As {@link #info(Path)}, refusing a checkpoint of another kind (naming both). */
    public static Info info(Path file, Kind expected) throws IOException {
        Info info = info(file);
        requireKind(file, info, expected);
        return info;
    }

    /**
     * Restores the models and the optimiser; returns the state to continue from. Names and shapes
     * are checked from the header before anything is copied; then the tensors are read one at a
     * time into place, so memory holds the model and one tensor, not the checkpoint as well.
     */
    public static Info restore(Path file, Kind expected, Map<String, ParamStore> models, Optimizer optimizer)
            throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Info info = info(file, header.metadata());
        requireKind(file, info, expected);
        Map<String, INDArray> state = optimizer.state();
        boolean flat = PRETRAIN_V1.equals(header.metadata().get("format"));     // format /1: two flat tensors
        if (flat && models.size() != 1) {
            throw new IllegalArgumentException(file + ": a format /1 checkpoint holds one model");
        }
        checkOptimizerState(file, header, flat, state, flat ? models.values().iterator().next().gradSize() : 0);
        for (Map.Entry<String, ParamStore> m : models.entrySet()) {      // all checked before any is overwritten
            StateDict.check(file, m.getKey(), m.getValue(), LoadOptions.STRICT);
        }
        for (Map.Entry<String, ParamStore> m : models.entrySet()) {
            StateDict.load(file, m.getKey(), m.getValue(), true);
        }
        SafeTensors.stream(file, models.values().iterator().next().dataType(), t -> t.name().startsWith(OPTIMIZER), (t, v) -> {
            String key = t.name().substring(OPTIMIZER.length());
            if (!flat) {
                state.get(key).assign(v);
                return;
            }
            String prefix = key.equals("exp_avg") ? "exp_avg." : "exp_avg_sq.";
            for (var p : models.values().iterator().next().trainableParams()) {
                state.get(prefix + p.name()).assign(p.gradSliceOf(v));
            }
        });
        optimizer.restoreStep(Long.parseLong(header.metadata().getOrDefault("optimizer_step", "0")));
        return info;
    }

    /** Loads only the models (inference, export, transfer): the optimiser state is not read. */
    public static Info loadModels(Path file, Kind expected, Map<String, ParamStore> models) throws IOException {
        Info info = info(file, expected);
        for (Map.Entry<String, ParamStore> m : models.entrySet()) {
            StateDict.check(file, m.getKey(), m.getValue(), LoadOptions.STRICT);
        }
        for (Map.Entry<String, ParamStore> m : models.entrySet()) {
            StateDict.load(file, m.getKey(), m.getValue(), true);
        }
        return info;
    }

    private static void requireKind(Path file, Info info, Kind expected) {
        if (info.kind() != expected) {
            throw new IllegalArgumentException(file + " is a " + info.kind().label() + " checkpoint, but a "
                    + expected.label() + " checkpoint is needed here");
        }
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

    private static Info info(Path file, Map<String, String> meta) throws IOException {
        String format = meta.get("format");
        Kind kind;
        if (FORMAT.equals(format)) {
            try {
                kind = Kind.valueOf(meta.getOrDefault("kind", "").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": unknown checkpoint kind '" + meta.get("kind") + "'");
            }
        } else if (PRETRAIN_V2.equals(format) || PRETRAIN_V1.equals(format)) {
            kind = Kind.PRETRAIN;
        } else {
            throw new IllegalArgumentException(file + ": not a checkpoint of this tool (format '" + format
                    + "', expected '" + FORMAT + "' or the older '" + PRETRAIN_V2 + "', '" + PRETRAIN_V1 + "')");
        }
        Map<String, String> config = JSON.readValue(meta.get("config"), new TypeReference<LinkedHashMap<String, String>>() {});
        String runId = meta.getOrDefault("run_id", "");
        TrainState state = new TrainState(Integer.parseInt(meta.get("epoch")), Integer.parseInt(meta.get("batch_in_epoch")),
                Long.parseLong(meta.get("step")), runId.isEmpty() ? null : runId);
        float[] mean = meta.containsKey("data_mean") ? JSON.readValue(meta.get("data_mean"), float[].class) : null;
        float[] std = meta.containsKey("data_std") ? JSON.readValue(meta.get("data_std"), float[].class) : null;
        return new Info(kind, config, state, meta.get("data"), mean, std, meta.get("code_version"), meta.get("created"));
    }
}
