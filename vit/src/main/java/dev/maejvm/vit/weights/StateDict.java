package dev.maejvm.vit.weights;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.PosEmbedInterpolation;
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
 * A model's state dict is its store's parameters and its named buffers.
 */
public final class StateDict {
    /** Names of the encoder's tensors: what a timm VisionTransformer has (besides its head). */
    private static final List<String> ENCODER_PREFIXES = List.of("cls_token", "pos_embed", "patch_embed.", "blocks.", "norm.");

    private StateDict() {}

    /** The whole MAE: trainable parameters (live views) and the fixed sin-cos tables. */
    public static Map<String, INDArray> of(MaskedAutoencoder mae) {
        return of(mae.params());
    }

    /** A store's parameters and buffers, by name (live views). */
    public static Map<String, INDArray> of(ParamStore store) {
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (Param p : store.params()) {
            sd.put(p.name(), p.value());
        }
        sd.putAll(store.buffers());
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
     * Copies {@code source} into the store: every parameter must be present with its shape
     * ({@link LoadOptions} may allow some to be missing, or a position table of another grid);
     * formula buffers, if present, must hold the store's values (they are a formula, not learned);
     * other buffers are copied. With {@code options.strict()} a key the store does not know is an
     * error too. Every problem names its key; with any, nothing is copied.
     */
    public static LoadReport load(ParamStore store, Map<String, INDArray> source, LoadOptions options) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        source.forEach((k, v) -> shapes.put(k, v.shape()));
        Plan plan = plan(store, shapes, options);
        if (plan.problems.isEmpty()) {
            source.forEach((k, v) -> checkFormula(store, k, resized(plan, k, v), plan.problems));
        }
        throwIfAny(plan.problems);
        source.forEach((k, v) -> copy(store, k, resized(plan, k, v)));
        return plan.report();
    }

    /** Strict: every key known, every parameter present with its shape. */
    public static void load(ParamStore store, Map<String, INDArray> source, boolean strict) {
        load(store, source, strict ? LoadOptions.STRICT : LoadOptions.LENIENT);
    }

    /**
     * As {@link #load(ParamStore, Map, LoadOptions)} from the tensors of a safetensors file whose
     * names start with {@code prefix} (stripped), read one at a time: names and shapes are checked
     * from the header, then the formula tables' values, and only then is each tensor copied into
     * place, so a mismatch changes nothing and memory never holds the file.
     */
    public static LoadReport load(Path file, String prefix, ParamStore store, LoadOptions options) throws IOException {
        Plan plan = checked(file, prefix, store, options);
        try {
            SafeTensors.stream(file, store.dataType(), t -> known(store, unprefixed(t.name(), prefix)),
                    (t, v) -> copy(store, unprefixed(t.name(), prefix), resized(plan, unprefixed(t.name(), prefix), v)));
            return plan.report();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Everything {@link #load(Path, String, ParamStore, LoadOptions)} checks (names, shapes, the
     * formula tables' values), without copying anything: a caller loading several models checks
     * them all first, so that a mismatch in the last leaves the first untouched.
     */
    public static LoadReport check(Path file, String prefix, ParamStore store, LoadOptions options) throws IOException {
        return checked(file, prefix, store, options).report();
    }

    private static Plan checked(Path file, String prefix, ParamStore store, LoadOptions options) throws IOException {
        try {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            SafeTensors.readHeader(file).tensors().forEach((k, t) -> {
                if (k.startsWith(prefix)) {
                    shapes.put(k.substring(prefix.length()), t.shape());
                }
            });
            Plan plan = plan(store, shapes, options);
            throwIfAny(plan.problems);
            // the formula tables first (small), so that a mismatch leaves the model untouched
            SafeTensors.stream(file, store.dataType(), t -> store.isFormula(unprefixed(t.name(), prefix)),
                    (t, v) -> checkFormula(store, unprefixed(t.name(), prefix), resized(plan, unprefixed(t.name(), prefix), v),
                            plan.problems));
            throwIfAny(plan.problems);
            return plan;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #load(Path, String, ParamStore, LoadOptions)}, strict or lenient about unknown keys. */
    public static void load(Path file, String prefix, ParamStore store, boolean strict) throws IOException {
        load(file, prefix, store, strict ? LoadOptions.STRICT : LoadOptions.LENIENT);
    }

    /** What a load found, and the shapes it resizes: the problems, missing, unexpected and interpolated keys. */
    private record Plan(List<String> problems, List<String> missing, List<String> unexpected,
                        Map<String, int[]> interpolate) {
        LoadReport report() {
            return new LoadReport(missing, unexpected, List.copyOf(interpolate.keySet()));
        }
    }

    private static Plan plan(ParamStore store, Map<String, long[]> shapes, LoadOptions options) {
        Plan plan = new Plan(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new LinkedHashMap<>());
        Map<String, long[]> expected = new LinkedHashMap<>();
        store.params().forEach(p -> expected.put(p.name(), p.shape()));
        store.buffers().forEach((k, v) -> expected.put(k, v.shape()));
        expected.forEach((name, shape) -> {
            long[] found = shapes.get(name);
            boolean isParam = store.contains(name);
            if (found == null) {
                if (isParam && !options.mayBeMissing().test(name)) {
                    plan.problems.add("missing key " + name);
                } else if (isParam) {
                    plan.missing.add(name);
                }
            } else if (!Arrays.equals(found, shape)) {
                int[] grids = options.positionGrid(name, found, shape);
                if (grids != null) {
                    plan.interpolate.put(name, grids);
                } else {
                    plan.problems.add(name + ": shape " + Arrays.toString(found) + " in the file, "
                            + Arrays.toString(shape) + " in the model");
                }
            }
        });
        for (String k : shapes.keySet()) {
            if (!expected.containsKey(k)) {
                if (options.strict()) {
                    plan.problems.add("unexpected key " + k);
                } else {
                    plan.unexpected.add(k);
                }
            }
        }
        return plan;
    }

    /** The tensor as the model needs it: a position table of another grid resized (bicubic, as interpolate_pos_embed). */
    private static INDArray resized(Plan plan, String name, INDArray v) {
        int[] g = plan.interpolate.get(name);
        if (g == null) {
            return v;
        }
        INDArray table = v.reshape('c', v.size(1), v.size(2));
        INDArray out = PosEmbedInterpolation.interpolate(table, g[0], g[1], g[2], g[3], 1);
        return out.reshape('c', 1, out.size(0), out.size(1));
    }

    private static boolean known(ParamStore store, String name) {
        return store.contains(name) || (store.buffers().containsKey(name) && !store.isFormula(name));
    }

    private static void copy(ParamStore store, String name, INDArray v) {
        if (store.contains(name)) {
            store.get(name).value().assign(v.castTo(store.dataType()));
        } else if (store.buffers().containsKey(name) && !store.isFormula(name)) {
            store.buffers().get(name).assign(v.castTo(store.dataType()));
        }
    }

    /** The name without the prefix, or "" (no parameter's or table's name) when it does not start with it. */
    private static String unprefixed(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : "";
    }

    /** A formula table in the file must hold the values of ours. */
    private static void checkFormula(ParamStore store, String name, INDArray v, List<String> problems) {
        if (!store.isFormula(name)) {
            return;
        }
        INDArray ours = store.buffers().get(name);
        if (v.castTo(ours.dataType()).distance1(ours) / v.length() > 1e-4) {
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
        load(file, "", mae.params(), true);
    }
}
