package dev.maejvm.vit.weights;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Weights by name, with timm's / the official MAE's names and layouts ({@code patch_embed.proj.weight}
 * [D, C, p, p], Linear weights [out, in], {@code pos_embed} [1, 1 + L, D], ...), so that an encoder
 * trained here loads into timm and official MAE weights converted to safetensors load here.
 */
public final class StateDict {
    /** Names of the encoder's tensors: what a timm VisionTransformer has (besides its head). */
    private static final List<String> ENCODER_PREFIXES = List.of("cls_token", "pos_embed", "patch_embed.", "blocks.", "norm.");

    private StateDict() {}

    /** The whole MAE: trainable parameters (live views) and the fixed sin-cos tables. */
    public static Map<String, INDArray> of(MaskedAutoencoder mae) {
        return of(mae.params(), mae.buffers());
    }

    /** Parameters of a store plus fixed tensors, by name. */
    public static Map<String, INDArray> of(ParamStore store, Map<String, INDArray> fixed) {
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (Param p : store.params()) {
            sd.put(p.name(), p.value());
        }
        sd.putAll(fixed);
        return sd;
    }

    /** Only the encoder's tensors (what fine-tuning and timm need). */
    public static Map<String, INDArray> encoderOnly(Map<String, INDArray> sd) {
        Map<String, INDArray> enc = new LinkedHashMap<>();
        sd.forEach((k, v) -> {
            if (ENCODER_PREFIXES.stream().anyMatch(k::startsWith)) {
                enc.put(k, v);
            }
        });
        return enc;
    }

    /**
     * Copies {@code source} into the store's parameters. Every parameter must be present with its
     * shape; fixed tables, if present, must have their shape (their values are checked against
     * ours: they are a formula, not learned). With {@code strict}, a key we do not know is an
     * error too. Every problem names its key.
     */
    public static void load(ParamStore store, Map<String, INDArray> fixed, Map<String, INDArray> source, boolean strict) {
        List<String> problems = new ArrayList<>();
        for (Param p : store.params()) {
            INDArray v = source.get(p.name());
            if (v == null) {
                problems.add("missing key " + p.name());
            } else if (!Arrays.equals(v.shape(), p.shape())) {
                problems.add(p.name() + ": shape " + Arrays.toString(v.shape()) + " in the file, "
                        + Arrays.toString(p.shape()) + " in the model");
            }
        }
        for (Map.Entry<String, INDArray> f : fixed.entrySet()) {
            INDArray v = source.get(f.getKey());
            if (v != null && !Arrays.equals(v.shape(), f.getValue().shape())) {
                problems.add(f.getKey() + ": shape " + Arrays.toString(v.shape()) + " in the file, "
                        + Arrays.toString(f.getValue().shape()) + " in the model");
            } else if (v != null && v.castTo(f.getValue().dataType()).distance1(f.getValue()) / v.length() > 1e-4) {
                problems.add(f.getKey() + ": values differ from the 2-D sin-cos table this model uses");
            }
        }
        if (strict) {
            for (String k : source.keySet()) {
                if (!store.contains(k) && !fixed.containsKey(k)) {
                    problems.add("unexpected key " + k);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not match the model: " + String.join("; ", problems));
        }
        for (Param p : store.params()) {
            p.value().assign(source.get(p.name()).castTo(store.dataType()));
        }
    }

    /** Writes the whole MAE (or with {@code encoderOnly}, the encoder) as safetensors. */
    public static void save(Path file, MaskedAutoencoder mae, boolean encoderOnly, Map<String, String> metadata)
            throws IOException {
        Map<String, INDArray> sd = of(mae);
        SafeTensors.write(file, encoderOnly ? encoderOnly(sd) : sd, metadata);
    }

    /** Loads a whole-MAE safetensors file (strict: every key known, every parameter present). */
    public static void load(Path file, MaskedAutoencoder mae) throws IOException {
        try {
            load(mae.params(), mae.buffers(), SafeTensors.read(file, mae.params().dataType()).tensors(), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
