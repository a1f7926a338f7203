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
     * error too. Every problem names its key; with any, nothing is copied.
     */
    public static void load(ParamStore store, Map<String, INDArray> fixed, Map<String, INDArray> source, boolean strict) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        source.forEach((k, v) -> shapes.put(k, v.shape()));
        List<String> problems = shapeProblems(store, fixed, shapes, strict);
        if (problems.isEmpty()) {
            source.forEach((k, v) -> checkFixed(fixed, k, v, problems));
        }
        throwIfAny(problems);
        for (Param p : store.params()) {
            p.value().assign(source.get(p.name()).castTo(store.dataType()));
        }
    }

    /**
     * As {@link #load(ParamStore, Map, Map, boolean)} from the tensors of a safetensors file whose
     * names start with {@code prefix} (stripped), read one at a time: names and shapes are checked
     * from the header, then the fixed tables' values, and only then is each parameter copied into
     * place, so a mismatch changes nothing and memory never holds the file.
     */
    public static void load(Path file, String prefix, ParamStore store, Map<String, INDArray> fixed, boolean strict)
            throws IOException {
        try {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            SafeTensors.readHeader(file).tensors().forEach((k, t) -> {
                if (k.startsWith(prefix)) {
                    shapes.put(k.substring(prefix.length()), t.shape());
                }
            });
            List<String> problems = shapeProblems(store, fixed, shapes, strict);
            throwIfAny(problems);
            // the fixed tables first (small), so that a mismatch leaves the model untouched
            SafeTensors.stream(file, store.dataType(), t -> fixed.containsKey(unprefixed(t.name(), prefix)),
                    (t, v) -> checkFixed(fixed, unprefixed(t.name(), prefix), v, problems));
            throwIfAny(problems);
            SafeTensors.stream(file, store.dataType(), t -> store.contains(unprefixed(t.name(), prefix)),
                    (t, v) -> store.get(unprefixed(t.name(), prefix)).value().assign(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Missing parameters, wrong shapes and (with {@code strict}) unknown names, each named. */
    private static List<String> shapeProblems(ParamStore store, Map<String, INDArray> fixed, Map<String, long[]> shapes,
                                              boolean strict) {
        List<String> problems = new ArrayList<>();
        for (Param p : store.params()) {
            long[] shape = shapes.get(p.name());
            if (shape == null) {
                problems.add("missing key " + p.name());
            } else if (!Arrays.equals(shape, p.shape())) {
                problems.add(p.name() + ": shape " + Arrays.toString(shape) + " in the file, "
                        + Arrays.toString(p.shape()) + " in the model");
            }
        }
        for (Map.Entry<String, INDArray> f : fixed.entrySet()) {
            long[] shape = shapes.get(f.getKey());
            if (shape != null && !Arrays.equals(shape, f.getValue().shape())) {
                problems.add(f.getKey() + ": shape " + Arrays.toString(shape) + " in the file, "
                        + Arrays.toString(f.getValue().shape()) + " in the model");
            }
        }
        if (strict) {
            for (String k : shapes.keySet()) {
                if (!store.contains(k) && !fixed.containsKey(k)) {
                    problems.add("unexpected key " + k);
                }
            }
        }
        return problems;
    }

    /** The name without the prefix, or "" (no parameter's or table's name) when it does not start with it. */
    private static String unprefixed(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : "";
    }

    /** A fixed table in the file must hold the values of ours (they are a formula). */
    private static void checkFixed(Map<String, INDArray> fixed, String name, INDArray v, List<String> problems) {
        INDArray ours = fixed.get(name);
        if (ours != null && v.castTo(ours.dataType()).distance1(ours) / v.length() > 1e-4) {
            problems.add(name + ": values differ from the 2-D sin-cos table this model uses");
        }
    }

    private static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not match the model: " + String.join("; ", problems));
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
        load(file, "", mae.params(), mae.buffers(), true);
    }
}
