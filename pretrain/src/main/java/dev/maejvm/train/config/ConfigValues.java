package dev.maejvm.train.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The text form of one leaf config value, both ways. A leaf is a component that is not a nested
 * record; its type is one of:
 *
 * <ul>
 *   <li>{@code int}/{@link Integer}, {@code long}/{@link Long}: decimal, optional sign ({@code -3});
 *   <li>{@code double}/{@link Double}, {@code float}/{@link Float}: {@link String#valueOf(double)}
 *       when written, which parses back to the same value exactly ({@code 1.5E-4}, {@code 0.1},
 *       {@code NaN}, {@code -0.0}); read with {@link Double#parseDouble}, so {@code 1.5e-4} works too;
 *   <li>{@code boolean}/{@link Boolean}: {@code true} or {@code false} (case ignored when read;
 *       anything else, {@code yes} or {@code 1}, is an error);
 *   <li>{@link String}: as is, not trimmed; the empty string is a value;
 *   <li>enums: the constant's {@link Enum#name()}, exact case;
 *   <li>lists, comma-separated: {@code List<Integer>}, {@code List<Long>}, {@code List<Double>},
 *       {@code List<String>}, {@code int[]}, {@code long[]}, {@code double[]}; e.g. {@code 2,5,8,11};
 *       the empty string is the empty list; spaces around elements are ignored when read. String
 *       elements must be non-empty, without commas or surrounding spaces, to read back the same.
 *       Lists read back unmodifiable ({@link List#copyOf}).
 * </ul>
 *
 * Non-String values are trimmed before they are parsed. Errors name the key, the text and the
 * expected type ({@link #describe}).
 */
final class ConfigValues {

    private static final Map<Class<?>, Class<?>> BOXED = Map.of(int.class, Integer.class, long.class, Long.class,
            double.class, Double.class, float.class, Float.class, boolean.class, Boolean.class);

    private ConfigValues() {
    }

    /** Whether values of this type can be leaves. */
    static boolean supported(Type type) {
        if (type instanceof Class<?> c) {
            Class<?> b = boxed(c);
            return BOXED.containsValue(b) || b == String.class || b.isEnum()
                    || b == int[].class || b == long[].class || b == double[].class;
        }
        return listElement(type) != null;
    }

    /** The type as an error message names it: {@code int}, {@code boolean (true or false)}, ... */
    static String describe(Type type) {
        Class<?> element = listElement(type);
        if (element != null) {
            return "comma-separated list of " + describe(element);
        }
        if (type instanceof Class<?> c) {
            if (c.isArray()) {
                return "comma-separated list of " + describe(c.getComponentType());
            }
            Class<?> b = boxed(c);
            if (b == Boolean.class) {
                return "boolean (true or false)";
            }
            if (b.isEnum()) {
                return "enum " + b.getSimpleName() + " (one of " + Arrays.stream(b.getEnumConstants())
                        .map(e -> ((Enum<?>) e).name()).collect(Collectors.joining(", ")) + ")";
            }
            if (b == String.class) {
                return "String";
            }
            return c.isPrimitive() ? c.getName() : primitiveName(b);
        }
        return type.getTypeName();
    }

    /** The text of a non-null leaf value. */
    static String format(String key, Type type, Object value) {
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof int[] a) {
            return Arrays.stream(a).mapToObj(String::valueOf).collect(Collectors.joining(","));
        }
        if (value instanceof long[] a) {
            return Arrays.stream(a).mapToObj(String::valueOf).collect(Collectors.joining(","));
        }
        if (value instanceof double[] a) {
            return Arrays.stream(a).mapToObj(String::valueOf).collect(Collectors.joining(","));
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object o : list) {
                if (o == null) {
                    throw new ConfigException(key, "config key '" + key + "': a list element is null " + list);
                }
                String s = String.valueOf(o);
                if (o instanceof String && (s.isEmpty() || s.contains(",") || !s.equals(s.strip()))) {
                    throw new ConfigException(key, "config key '" + key + "': list element '" + s
                            + "' cannot be written comma-separated (empty, a comma, or surrounding spaces)");
                }
                parts.add(s);
            }
            return String.join(",", parts);
        }
        return String.valueOf(value);
    }

    /** The value of this text; the error names the key, the text and the expected type. */
    static Object parse(String key, Type type, String text) {
        try {
            Class<?> element = listElement(type);
            if (element != null) {
                return List.copyOf(parseList(key, element, text));
            }
            Class<?> c = (Class<?>) type;
            if (c == int[].class) {
                return parseList(key, Integer.class, text).stream().mapToInt(Integer.class::cast).toArray();
            }
            if (c == long[].class) {
                return parseList(key, Long.class, text).stream().mapToLong(Long.class::cast).toArray();
            }
            if (c == double[].class) {
                return parseList(key, Double.class, text).stream().mapToDouble(Double.class::cast).toArray();
            }
            return parseScalar(boxed(c), text);
        } catch (IllegalArgumentException e) {     // NumberFormatException and the ones below
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(key, "config key '" + key + "': expected " + describe(type) + ", got '" + text + "'");
        }
    }

    private static List<Object> parseList(String key, Class<?> element, String text) {
        List<Object> out = new ArrayList<>();
        if (text.isBlank()) {
            return out;
        }
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) {
                throw new ConfigException(key, "config key '" + key + "': expected comma-separated list of "
                        + describe(element) + ", got '" + text + "' (an empty element)");
            }
            try {
                out.add(parseScalar(element, p));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, "config key '" + key + "': expected comma-separated list of "
                        + describe(element) + ", got '" + text + "' (element '" + p + "')");
            }
        }
        return out;
    }

    /** One value of a boxed scalar type; IllegalArgumentException when the text is not one. */
    private static Object parseScalar(Class<?> b, String text) {
        if (b == String.class) {
            return text;
        }
        String t = text.strip();
        if (b == Integer.class) {
            return Integer.parseInt(t);
        }
        if (b == Long.class) {
            return Long.parseLong(t);
        }
        if (b == Double.class) {
            return Double.parseDouble(t);
        }
        if (b == Float.class) {
            return Float.parseFloat(t);
        }
        if (b == Boolean.class) {
            if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
                return Boolean.valueOf(t.equalsIgnoreCase("true"));
            }
            throw new IllegalArgumentException("not a boolean");
        }
        if (b.isEnum()) {
            for (Object e : b.getEnumConstants()) {
                if (((Enum<?>) e).name().equals(t)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("not a constant");
        }
        throw new IllegalArgumentException("unsupported type " + b.getName());
    }

    /** E of a {@code List<E>} with a supported E, else null. */
    private static Class<?> listElement(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class
                && p.getActualTypeArguments()[0] instanceof Class<?> e
                && (e == Integer.class || e == Long.class || e == Double.class || e == String.class)) {
            return e;
        }
        return null;
    }

    private static Class<?> boxed(Class<?> c) {
        return c.isPrimitive() ? BOXED.getOrDefault(c, c) : c;
    }

    private static String primitiveName(Class<?> boxed) {
        return BOXED.entrySet().stream().filter(e -> e.getValue() == boxed).map(e -> e.getKey().getName())
                .findFirst().orElse(boxed.getSimpleName());
    }
}
