package dev.maejvm.train.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.model.MaeConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dotted keys from nested records and back: order, exact round trips, errors that name the key. */
class ConfigsTest {

    enum Mode { FAST, SLOW }

    /** Two levels down; validates like the project's records do. */
    record Inner(int depth, double ratio, List<Integer> blocks) {
        Inner {
            if (depth <= 0) {
                throw new IllegalArgumentException("depth must be positive, got " + depth);
            }
            if (blocks.stream().anyMatch(b -> b >= depth)) {
                throw new IllegalArgumentException("blocks " + blocks + " must be < depth (" + depth + ")");
            }
        }
    }

    record Middle(Inner inner, String name, Mode mode, boolean flag) {
    }

    record Outer(Middle middle, int epochs, long seed, double lr, double momentum, float scale,
            Integer boxedInt, Long boxedLong, Double boxedDouble, Boolean boxedBool, List<String> tags, List<Double> weights) {
        Outer {
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
        }
    }

    record Arrays3(int[] ints, long[] longs, double[] doubles) {
    }

    record Nullable(String text) {
    }

    record Unsupported(int ok, Map<String, String> map) {
    }

    record Loop(int x, Loop next) {
    }

    /** The project's shape: a run config around the real model records. */
    record RunConfig(MaeConfig model, int epochs) {
    }

    static Outer sample() {
        return new Outer(new Middle(new Inner(12, 4.0, List.of(2, 5, 8, 11)), "run a", Mode.SLOW, true),
                400, -(1L << 40) - 7, 1.5e-4, 0.1, 0.1f, -3, Long.MAX_VALUE, -0.0, false,
                List.of("mae", "tiny"), List.of(0.5, 1e-9, -2.25));
    }

    static final List<String> KEYS = List.of("middle.inner.depth", "middle.inner.ratio", "middle.inner.blocks",
            "middle.name", "middle.mode", "middle.flag", "epochs", "seed", "lr", "momentum", "scale",
            "boxedInt", "boxedLong", "boxedDouble", "boxedBool", "tags", "weights");

    @Test
    void flattenGivesDottedKeysInComponentOrder() {
        Map<String, String> flat = Configs.flatten(sample());
        assertEquals(KEYS, new ArrayList<>(flat.keySet()));
        assertEquals(KEYS, Configs.keys(Outer.class));
        assertEquals("12", flat.get("middle.inner.depth"));
        assertEquals("2,5,8,11", flat.get("middle.inner.blocks"));
        assertEquals("run a", flat.get("middle.name"));
        assertEquals("SLOW", flat.get("middle.mode"));
        assertEquals("true", flat.get("middle.flag"));
        assertEquals(String.valueOf(-(1L << 40) - 7), flat.get("seed"));
        assertEquals(String.valueOf(1.5e-4), flat.get("lr"));
        assertEquals("0.1", flat.get("momentum"));
        assertEquals("-0.0", flat.get("boxedDouble"));
        assertEquals("mae,tiny", flat.get("tags"));
    }

    @Test
    void unflattenInvertsFlattenExactly() {
        Outer x = sample();
        Outer back = Configs.unflatten(Outer.class, Configs.flatten(x));
        assertEquals(x, back);
        assertEquals(1.5e-4, back.lr());                       // exactly, not within a tolerance
        assertEquals(0.1, back.momentum());
        assertEquals(0.1f, back.scale());
        assertEquals(-(1L << 40) - 7, back.seed());
        assertEquals(Long.MAX_VALUE, back.boxedLong());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.boxedDouble()));

        Outer edge = new Outer(new Middle(new Inner(1, Double.NaN, List.of()), "", Mode.FAST, false),
                Integer.MAX_VALUE, Long.MIN_VALUE, Double.MIN_VALUE, -1e300, Float.MAX_VALUE,
                Integer.MIN_VALUE, 0L, Double.POSITIVE_INFINITY, true, List.of(), List.of());
        assertEquals("", Configs.flatten(edge).get("middle.inner.blocks"));
        assertEquals(edge, Configs.unflatten(Outer.class, Configs.flatten(edge)));
    }

    @Test
    void valuesAreReadLeniently() {
        Map<String, String> flat = Configs.flatten(sample());
        flat.put("lr", "1.5e-4");
        flat.put("middle.flag", " TRUE ");
        flat.put("middle.inner.blocks", "2, 5 ,8,11");
        assertEquals(sample(), Configs.unflatten(Outer.class, flat));
    }

    @Test
    void arraysRoundTripByContent() {
        Arrays3 a = new Arrays3(new int[] {2, 5, 8, 11}, new long[] {-1L << 50}, new double[] {0.1, 1.5e-4});
        Map<String, String> flat = Configs.flatten(a);
        assertEquals("2,5,8,11", flat.get("ints"));
        Arrays3 back = Configs.unflatten(Arrays3.class, flat);
        assertArrayEquals(a.ints(), back.ints());
        assertArrayEquals(a.longs(), back.longs());
        assertArrayEquals(a.doubles(), back.doubles());
    }

    @Test
    void unknownKeyIsNamedWithTheClosestKnownOne() {
        ConfigException e = unflattenWith("epochz", "3");
        assertEquals("epochz", e.key());
        assertTrue(e.getMessage().contains("'epochz'") && e.getMessage().contains("did you mean 'epochs'"), e.getMessage());

        e = unflattenWith("blocks", "1");                     // a bare last segment: point at its parent
        assertTrue(e.getMessage().contains("did you mean 'middle.inner.blocks'"), e.getMessage());

        e = unflattenWith("middle.inner", "x");                // a whole nested record is not a key
        assertTrue(e.getMessage().contains("nested record"), e.getMessage());

        e = unflattenWith("somethingElseEntirely", "1");
        assertEquals("somethingElseEntirely", e.key());
    }

    @Test
    void missingKeyIsNamed() {
        Map<String, String> flat = Configs.flatten(sample());
        flat.remove("middle.inner.ratio");
        ConfigException e = assertThrows(ConfigException.class, () -> Configs.unflatten(Outer.class, flat));
        assertEquals("middle.inner.ratio", e.key());
        assertTrue(e.getMessage().contains("missing config key 'middle.inner.ratio'"), e.getMessage());
    }

    @Test
    void malformedValueIsNamedWithKeyValueAndExpectedType() {
        assertMalformed("epochs", "abc", "int");
        assertMalformed("epochs", "1.5", "int");
        assertMalformed("seed", "1e3", "long");
        assertMalformed("boxedInt", "99999999999", "int");
        assertMalformed("lr", "fast", "double");
        assertMalformed("middle.flag", "yes", "boolean (true or false)");
        assertMalformed("boxedBool", "1", "boolean (true or false)");
        assertMalformed("middle.mode", "slow", "enum Mode (one of FAST, SLOW)");
        assertMalformed("middle.inner.blocks", "2,x,8", "list of int, got '2,x,8' (element 'x')");
        assertMalformed("middle.inner.blocks", "2,,8", "list of int");
    }

    @Test
    void validationFailureInANestedRecordKeepsItsMessageWithThePath() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Configs.with(sample(), Map.of("middle.inner.depth", "0")));
        assertEquals("middle.inner: depth must be positive, got 0", e.getMessage());
        assertEquals("middle.inner", e.key());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals("depth must be positive, got 0", e.getCause().getMessage());

        e = assertThrows(ConfigException.class, () -> Configs.with(sample(), Map.of("middle.inner.depth", "8")));
        assertEquals("middle.inner: blocks [2, 5, 8, 11] must be < depth (8)", e.getMessage());

        e = assertThrows(ConfigException.class, () -> Configs.with(sample(), Map.of("epochs", "-1")));
        assertEquals("epochs must be positive, got -1", e.getMessage());   // the top-level record: no prefix
        assertEquals("", e.key());
    }

    @Test
    void overridesChangeExactlyTheGivenKeys() {
        Outer base = sample();
        Outer changed = Configs.with(base, Map.of("middle.inner.depth", "24", "lr", "3e-4"));
        Map<String, String> expected = Configs.flatten(base);
        expected.put("middle.inner.depth", "24");
        expected.put("lr", String.valueOf(3e-4));
        assertEquals(expected, Configs.flatten(changed));
        assertEquals(24, changed.middle().inner().depth());

        Outer set = Configs.withSet(base, List.of("middle.name=a=b", " epochs = 5", "epochs=6", "tags="));
        assertEquals("a=b", set.middle().name());             // the value is everything after the first '='
        assertEquals(6, set.epochs());                         // the later assignment wins
        assertEquals(List.of(), set.tags());
        assertEquals(base.middle().inner(), set.middle().inner());
    }

    @Test
    void overrideOfAnUnknownKeyIsRefusedNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Configs.with(sample(), Map.of("middle.innr.depth", "2")));
        assertEquals("middle.innr.depth", e.key());
        assertTrue(e.getMessage().contains("'middle.innr.depth'")
                && e.getMessage().contains("did you mean 'middle.inner.depth'"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> Configs.withSet(sample(), List.of("epochs")));
        assertEquals("epochs", e.key());
        assertTrue(e.getMessage().contains("'epochs' is not key=value"), e.getMessage());
        assertThrows(ConfigException.class, () -> Configs.withSet(sample(), List.of("=3")));
    }

    @Test
    void nullComponentsAndUnsupportedTypesAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> Configs.flatten(new Nullable(null)));
        assertEquals("text", e.key());
        Outer commaTag = new Outer(sample().middle(), 1, 0, 0, 0, 0, 0, 0L, 0.0, false, List.of("a,b"), List.of());
        assertEquals("tags", assertThrows(ConfigException.class, () -> Configs.flatten(commaTag)).key());

        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> Configs.flatten(new Unsupported(1, Map.of())));
        assertTrue(u.getMessage().contains("'map'") && u.getMessage().contains("java.util.Map"), u.getMessage());
        u = assertThrows(IllegalArgumentException.class, () -> Configs.keys(Loop.class));
        assertTrue(u.getMessage().contains("contains itself at 'next'"), u.getMessage());
    }

    @Test
    void everyMaePresetRoundTrips() {
        for (Map.Entry<String, MaeConfig> p : MaeConfig.PRESETS.entrySet()) {
            MaeConfig cfg = p.getValue();
            Map<String, String> flat = Configs.flatten(cfg);
            assertEquals(String.valueOf(cfg.encoder().embedDim()), flat.get("encoder.embedDim"), p.getKey());
            assertEquals(cfg, Configs.unflatten(MaeConfig.class, flat), p.getKey());
            RunConfig run = new RunConfig(cfg, 400);
            assertEquals(run, Configs.unflatten(RunConfig.class, Configs.flatten(run)), p.getKey());
        }
        RunConfig tiny = new RunConfig(MaeConfig.preset("tiny"), 400);
        assertEquals("192", Configs.flatten(tiny).get("model.encoder.embedDim"));
        assertEquals(2, Configs.withSet(tiny, List.of("model.decoderDepth=2")).model().decoderDepth());
        ConfigException e = assertThrows(ConfigException.class,
                () -> Configs.withSet(tiny, List.of("model.encoder.embedDim=190")));
        assertEquals("model.encoder: embedDim (190) must be divisible by numHeads (3)", e.getMessage());
        assertEquals("model.encoder", e.key());
    }

    private static ConfigException unflattenWith(String key, String value) {
        Map<String, String> flat = new LinkedHashMap<>(Configs.flatten(sample()));
        flat.put(key, value);
        return assertThrows(ConfigException.class, () -> Configs.unflatten(Outer.class, flat));
    }

    private static void assertMalformed(String key, String value, String expectedType) {
        Map<String, String> flat = new HashMap<>(Configs.flatten(sample()));
        flat.put(key, value);
        ConfigException e = assertThrows(ConfigException.class, () -> Configs.unflatten(Outer.class, flat));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains("'" + value + "'")
                && e.getMessage().contains(expectedType), e.getMessage());
    }
}
