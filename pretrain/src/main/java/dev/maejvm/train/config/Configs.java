package dev.maejvm.train.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Nested config records to dotted keys and back: one mechanism for checkpoint metadata, tracking
 * params, printing a resolved config, and {@code --set key=value} overrides and sweeps.
 *
 * <p><b>Keys.</b> One key per leaf component, in record-component order, depth first; a nested
 * record's components are keyed {@code parent.child}. For
 * {@code PretrainConfig(MaeConfig model, int epochs)} with {@code MaeConfig(ViTConfig encoder, int
 * decoderDepth, ...)} the keys start {@code model.encoder.imgSize}, ..., {@code
 * model.decoderDepth}, ..., {@code epochs}. Only components are keys: derived values (methods
 * such as {@code actualLr()}) are not written, and a nested record is never a key itself.
 *
 * <p><b>Values</b> (the rules in full are in {@code ConfigValues}):
 * <ul>
 *   <li>{@code int}, {@code long} and their boxes: decimal, optional sign;
 *   <li>{@code double}, {@code float} and their boxes: written with {@link String#valueOf(double)},
 *       so they read back exactly ({@code 1.5E-4}, {@code 0.1}, {@code NaN}); {@code 1.5e-4} reads too;
 *   <li>{@code boolean}/{@code Boolean}: {@code true} or {@code false} (case ignored when read);
 *   <li>{@code String}: as is, untrimmed; enums: {@link Enum#name()}, exact case;
 *   <li>comma-separated lists, the empty string being the empty list, spaces around elements
 *       ignored when read: {@code List<Integer>}, {@code List<Long>}, {@code List<Double>}, {@code
 *       List<String>} (elements non-empty, without commas or surrounding spaces), {@code int[]},
 *       {@code long[]}, {@code double[]}; e.g. {@code 2,5,8,11}. Lists read back unmodifiable.
 *       Prefer {@code List<Integer>} to {@code int[]} in records: an array makes the record's
 *       {@code equals} compare identity.
 * </ul>
 * Non-String values are trimmed before they are parsed.
 *
 * <p><b>Null.</b> A null component is refused by {@link #flatten} (an error naming its key), and
 * {@link #unflatten} never builds one: every key must be given. Null has no text distinct from a
 * String's {@code "null"} or {@code ""}, so omitting it would make a missing key and a null one the
 * same; records that mean "none" should say so with a value ({@code 0}, {@code ""}, an enum).
 *
 * <p><b>Errors</b> are {@link ConfigException}s naming the key: an unknown key (with the closest
 * known one by edit distance, or the right parent for a bare last segment), a missing key, a malformed value (with the text and the expected
 * type), an override that is not {@code key=value}. A record's own validation error keeps its
 * message, prefixed with the path of the record being built ({@code model.encoder: embedDim (190)
 * must be divisible by numHeads (12)}); its {@link ConfigException#key()} is that path and its cause
 * is the record's exception. A record type with an unsupported component type (a {@code Map}, an
 * {@code Object}), or one that contains itself, is a programming error: a plain {@link
 * IllegalArgumentException} naming the key and the type.
 *
 * <p><b>Why plain reflection, not Jackson.</b> The work is a walk over {@link
 * Class#getRecordComponents()} and a call of each record's canonical constructor. Jackson binds
 * JSON trees, not dotted keys, so the nesting would still be done by hand; and its own coercion
 * rules for text to numbers and booleans and its error messages would have to be configured and
 * translated to give the errors above. Plain reflection keeps every rule in these few classes.
 * Records need not be public: their constructor and accessors are made accessible (this works for
 * code on the class path or in an open module).
 */
public final class Configs {

    private Configs() {
    }

    /**
     * The record as dotted keys and text values, in record-component order, depth first.
     *
     * @return a new, modifiable, insertion-ordered map
     * @throws ConfigException naming the key of a null component, or of a list element that
     *     cannot be written
     */
    public static Map<String, String> flatten(Record record) {
        Objects.requireNonNull(record, "record");
        Map<String, String> out = new LinkedHashMap<>();
        keys(record.getClass());                    // refuses unsupported component types up front
        flattenInto("", record, out);
        return out;
    }

    /**
     * The record of this type whose {@link #flatten} is {@code flat}; the map must have exactly
     * the type's {@link #keys}.
     *
     * @throws ConfigException naming the first unknown key (with a hint), else the first missing
     *     key, else a malformed value, else a record's validation failure (prefixed with its path)
     */
    public static <R extends Record> R unflatten(Class<R> type, Map<String, String> flat) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(flat, "flat");
        List<String> known = keys(type);
        Set<String> knownSet = new LinkedHashSet<>(known);
        for (String key : flat.keySet()) {
            if (!knownSet.contains(key)) {
                throw new ConfigException(key, "unknown config key '" + key + "' for " + type.getSimpleName()
                        + KeyHints.hint(key, known));
            }
        }
        for (String key : known) {
            if (flat.get(key) == null) {
                throw new ConfigException(key, "missing config key '" + key + "' for " + type.getSimpleName());
            }
        }
        return build(type, "", flat);
    }

    /**
     * The base with some keys set: flatten, replace, unflatten, so the records' validation runs on
     * the result. Every override key must be one of the base's keys.
     *
     * @param overrides dotted keys to text values, e.g. {@code model.decoderDepth -> 2}
     * @throws ConfigException naming an unknown override key (with a hint), a null value, a
     *     malformed value, or the validation failure of the resulting config
     */
    public static <R extends Record> R with(R base, Map<String, String> overrides) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(overrides, "overrides");
        Map<String, String> flat = flatten(base);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey();
            if (!flat.containsKey(key)) {
                throw new ConfigException(key, "cannot set unknown config key '" + key + "' of "
                        + base.getClass().getSimpleName() + KeyHints.hint(key, flat.keySet()));
            }
            if (e.getValue() == null) {
                throw new ConfigException(key, "config key '" + key + "': cannot be set to null");
            }
        }
        flat.putAll(overrides);
        @SuppressWarnings("unchecked")
        Class<R> type = (Class<R>) base.getClass();
        return unflatten(type, flat);
    }

    /**
     * {@link #with} from {@code key=value} assignments, as a CLI's {@code --set} gives them. The key
     * is everything before the first {@code =}, trimmed; the value everything after it, as is (it
     * may contain {@code =}). When a key is assigned twice the later assignment wins.
     *
     * @throws ConfigException naming an assignment without {@code =} or with an empty key, and as
     *     {@link #with}
     */
    public static <R extends Record> R withSet(R base, List<String> assignments) {
        Objects.requireNonNull(assignments, "assignments");
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String a : assignments) {
            Objects.requireNonNull(a, "assignment");
            int eq = a.indexOf('=');
            String key = eq < 0 ? a.strip() : a.substring(0, eq).strip();
            if (eq < 0 || key.isEmpty()) {
                throw new ConfigException(key, "override '" + a + "' is not key=value (e.g. model.decoderDepth=2)");
            }
            overrides.put(key, a.substring(eq + 1));
        }
        return with(base, overrides);
    }

    /**
     * The dotted keys of a record type, in the order {@link #flatten} writes them.
     *
     * @return an unmodifiable list
     * @throws IllegalArgumentException naming a component of an unsupported type, or a record type
     *     that contains itself
     */
    public static List<String> keys(Class<? extends Record> type) {
        Objects.requireNonNull(type, "type");
        List<String> out = new ArrayList<>();
        keysInto("", type, new ArrayDeque<>(), out);
        return Collections.unmodifiableList(out);
    }

    private static void keysInto(String prefix, Class<?> type, Deque<Class<?>> enclosing, List<String> out) {
        if (enclosing.contains(type)) {
            throw new IllegalArgumentException("config record " + type.getName() + " contains itself at '"
                    + prefix.substring(0, prefix.length() - 1) + "'; it cannot be flattened");
        }
        enclosing.push(type);
        for (RecordComponent c : type.getRecordComponents()) {
            String key = prefix + c.getName();
            if (c.getType().isRecord()) {
                keysInto(key + ".", c.getType(), enclosing, out);
            } else if (ConfigValues.supported(c.getGenericType())) {
                out.add(key);
            } else {
                throw new IllegalArgumentException("config key '" + key + "' of " + type.getName()
                        + " has unsupported type " + c.getGenericType().getTypeName());
            }
        }
        enclosing.pop();
    }

    private static void flattenInto(String prefix, Record record, Map<String, String> out) {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            String key = prefix + c.getName();
            Object value = read(c, record);
            if (value == null) {
                throw new ConfigException(key, "config key '" + key + "' is null; config records cannot hold null");
            }
            if (value instanceof Record nested) {
                flattenInto(key + ".", nested, out);
            } else {
                out.put(key, ConfigValues.format(key, c.getGenericType(), value));
            }
        }
    }

    private static <R> R build(Class<R> type, String prefix, Map<String, String> flat) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String key = prefix + c.getName();
            types[i] = c.getType();
            args[i] = c.getType().isRecord()
                    ? build(c.getType(), key + ".", flat)
                    : ConfigValues.parse(key, c.getGenericType(), flat.get(key));
        }
        String path = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            ctor.trySetAccessible();
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw rejected(path, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot call the canonical constructor of " + type.getName(), e);
        }
    }

    /** A record constructor's exception, its message kept and prefixed with the record's path. */
    private static RuntimeException rejected(String path, Throwable cause) {
        if (cause instanceof Error error) {
            throw error;
        }
        String message = cause instanceof IllegalArgumentException && cause.getMessage() != null
                ? cause.getMessage()
                : cause.toString();
        return new ConfigException(path, path.isEmpty() ? message : path + ": " + message, cause);
    }

    private static Object read(RecordComponent c, Record record) {
        Method accessor = c.getAccessor();
        try {
            accessor.trySetAccessible();
            return accessor.invoke(record);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("accessor " + c.getName() + "() of " + record.getClass().getName()
                    + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot read " + c.getName() + " of " + record.getClass().getName(), e);
        }
    }
}
