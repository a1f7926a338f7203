package dev.maejvm.vit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SafeTensorsTest {
    /** Sums over up to 6,144 values in another order than numpy's: a few ulps apart at most. */
    private static final double SUM_TOL = 1e-12;

    @TempDir
    Path tmp;

    private static Path golden(String name) throws URISyntaxException {
        return Path.of(SafeTensorsTest.class.getResource("/golden/" + name).toURI());
    }

    // ----- round trips ------------------------------------------------------------------------

    @Test
    void roundTripIsBitIdenticalForEveryTypeWithEdgeValuesViewsScalarsAndEmptyArrays() throws IOException {
        Map<String, INDArray> in = new LinkedHashMap<>();
        double[] d = {0.0, -0.0, Double.MIN_VALUE, 1e-310, Double.MAX_VALUE, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NaN, Math.PI, -1.0 / 3};
        in.put("f64", Nd4j.create(d, new long[] {2, 5}, DataType.DOUBLE));
        float[] f = {0f, -0f, Float.MIN_VALUE, 1e-40f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN, 0.1f};
        in.put("f32", Nd4j.create(f, new long[] {2, 2, 2}, DataType.FLOAT));
        in.put("f16", Nd4j.create(new float[] {0f, -0f, 1f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f, Float.NEGATIVE_INFINITY},
                new long[] {8}, DataType.FLOAT).castTo(DataType.HALF));
        in.put("bf16", Nd4j.create(new float[] {1f, -2.5f, 3.140625f, 0x1p-130f, Float.POSITIVE_INFINITY, -0f},
                new long[] {3, 2}, DataType.FLOAT).castTo(DataType.BFLOAT16));
        in.put("i64", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -1, 0, (1L << 53) + 1, Long.MAX_VALUE}));
        in.put("i32", Nd4j.createFromArray(new int[][] {{Integer.MIN_VALUE, -1}, {0, Integer.MAX_VALUE}}));
        in.put("i16", Nd4j.createFromArray(new int[] {-32768, -1, 0, 32767}).castTo(DataType.SHORT));
        in.put("i8", Nd4j.createFromArray(new int[] {-128, -1, 0, 127}).castTo(DataType.BYTE));
        in.put("u8", Nd4j.createFromArray(new int[] {0, 1, 200, 255}).castTo(DataType.UBYTE));
        in.put("bool", Nd4j.createFromArray(new boolean[] {true, false, true}));
        INDArray base = Nd4j.rand(DataType.DOUBLE, 4, 6);
        in.put("transposed_view", base.transpose());                                   // f-order view
        in.put("sliced_view", base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 5)));
        in.put("scalar", Nd4j.scalar(42.5));
        in.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "test");
        meta.put("unicode", "µ – ✓");

        Path a = tmp.resolve("a.safetensors");
        SafeTensors.write(a, in, meta);
        SafeTensors.Contents c = SafeTensors.read(a);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()), "file order is map order");
        assertEquals(meta, c.metadata());
        for (String name : in.keySet()) {
            INDArray want = in.get(name);
            INDArray got = c.tensors().get(name);
            assertEquals(want.dataType(), got.dataType(), name);
            assertArrayEquals(want.shape(), got.shape(), name);
            assertArrayEquals(rawBits(want), rawBits(got), name + ": values differ");
        }
        Path b = tmp.resolve("b.safetensors");
        SafeTensors.write(b, c.tensors(), c.metadata());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "write(read(file)) is the same file, byte for byte");
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(a), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
    }

    @Test
    void readConvertsToTheRequestedType() throws Exception {
        SafeTensors.Contents c = SafeTensors.read(golden("safetensors_dtypes.safetensors"), DataType.DOUBLE);
        for (INDArray a : c.tensors().values()) {
            assertEquals(DataType.DOUBLE, a.dataType());
        }
        assertEquals(-2.5, c.tensors().get("f16").getDouble(3));
        assertEquals(3.140625, c.tensors().get("bf16").getDouble(2));
        SafeTensors.Contents f = SafeTensors.read(golden("mae_small_weights_f64.safetensors"), DataType.FLOAT);
        assertEquals(DataType.FLOAT, f.tensors().get("blocks.0.attn.qkv.weight").dataType());
    }

    @Test
    void streamHandsOverTheWantedTensorsOneByOneInFileOrder() throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("b", Nd4j.createFromArray(1.5, -2.0).reshape(1, 2));
        t.put("skip", Nd4j.createFromArray(7f));
        t.put("a", Nd4j.createFromArray(new float[] {3, 4, 5}));
        Path f = tmp.resolve("s.safetensors");
        SafeTensors.write(f, t, Map.of("k", "v"));
        List<String> seen = new ArrayList<>();
        SafeTensors.Header h = SafeTensors.stream(f, DataType.FLOAT, i -> !i.name().equals("skip"), (info, v) -> {
            seen.add(info.name());
            assertEquals(DataType.FLOAT, v.dataType());
            assertEquals(t.get(info.name()).castTo(DataType.FLOAT), v);
        });
        assertEquals(List.of("b", "a"), seen);
        assertEquals("v", h.metadata().get("k"));
        assertEquals(3, h.tensors().size());
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path file = tmp.resolve("sub/dir/w.safetensors");
        SafeTensors.write(file, Map.of("x", Nd4j.ones(DataType.FLOAT, 3)), Map.of("v", "1"));
        SafeTensors.write(file, Map.of("x", Nd4j.zeros(DataType.FLOAT, 4)), Map.of("v", "2"));
        assertEquals("2", SafeTensors.read(file).metadata().get("v"));
        byte[] before = Files.readAllBytes(file);
        Map<String, INDArray> bad = new LinkedHashMap<>();
        bad.put("ok", Nd4j.ones(DataType.FLOAT, 2));
        bad.put("__metadata__", Nd4j.ones(DataType.FLOAT, 2));
        IOException e = assertThrows(IOException.class, () -> SafeTensors.write(file, bad, Map.of()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("__metadata__"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "a failed write leaves the old file");
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ----- files written by Python (make_golden.py) --------------------------------------------

    @Test
    void readsTheWeightsPyTorchWroteWithOfficialNamesAndLayouts() throws Exception {
        SafeTensors.Contents w64 = SafeTensors.read(golden("mae_small_weights_f64.safetensors"));
        SafeTensors.Contents w32 = SafeTensors.read(golden("mae_small_weights_f32.safetensors"));
        Map<String, INDArray> t = w64.tensors();
        assertEquals(62, t.size());
        assertEquals("cls_token", t.keySet().iterator().next());
        assertEquals(List.copyOf(t.keySet()), List.copyOf(w32.tensors().keySet()));
        assertArrayEquals(new long[] {32, 3, 4, 4}, t.get("patch_embed.proj.weight").shape());
        assertArrayEquals(new long[] {96, 32}, t.get("blocks.1.attn.qkv.weight").shape());
        assertArrayEquals(new long[] {1, 17, 24}, t.get("decoder_pos_embed").shape());
        assertArrayEquals(new long[] {48, 24}, t.get("decoder_pred.weight").shape());
        assertEquals(DataType.DOUBLE, t.get("norm.bias").dataType());
        assertEquals(DataType.FLOAT, w32.tensors().get("norm.bias").dataType());
        assertTrue(w64.metadata().get("torch").startsWith("1.13"), w64.metadata().toString());
        for (String name : t.keySet()) { // README: the float64 weights are the float32 ones, but for the exact tables
            INDArray rounded = t.get(name).castTo(DataType.FLOAT);
            if (name.endsWith("pos_embed")) {
                assertEquals(0.0, rounded.sub(w32.tensors().get(name)).amaxNumber().doubleValue(), 1e-7, name);
            } else {
                assertEquals(w32.tensors().get(name), rounded, name);
                assertEquals(t.get(name), rounded.castTo(DataType.DOUBLE), name + " is float32-exact");
            }
        }
    }

    @Test
    void readsThePythonGoldenArraysAndTheirCheckValues() throws Exception {
        SafeTensors.Contents c = SafeTensors.read(golden("mae_small_io_f64.safetensors"));
        Map<String, INDArray> io = c.tensors();
        Map<String, String> meta = c.metadata();
        assertEquals(148, io.size());
        assertArrayEquals(new long[] {2, 3, 16, 16}, io.get("imgs").shape());
        assertArrayEquals(new long[] {1}, io.get("loss").shape());
        assertArrayEquals(new long[] {2, 5, 32}, io.get("latent").shape());
        assertEquals(DataType.LONG, io.get("ids_restore").dataType());
        // the values printed by make_golden.py, stored as decimal strings in the metadata and the README
        assertEquals("1.6878359546296267", meta.get("check.loss"));
        assertEquals(1.6878359546296267, io.get("loss").getDouble(0), 0.0);
        assertEquals(1.6712769590135566, io.get("normpix.loss").getDouble(0), 0.0);
        assertEquals(25.45754443631913, io.get("imgs").sumNumber().doubleValue(), SUM_TOL * 25.5);
        assertEquals(-72.85438330996757, io.get("pred").sumNumber().doubleValue(), SUM_TOL * 73);
        assertEquals(254.98901393899445, io.get("sincos.pos_embed").sumNumber().doubleValue(), SUM_TOL * 255);
        assertEquals(-0.016967869949779897, io.get("grad.blocks.1.attn.qkv.weight").sumNumber().doubleValue(), 1e-15);
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey().startsWith("check.sum.")) {
                String name = e.getKey().substring("check.sum.".length());
                double want = Double.parseDouble(e.getValue());
                assertEquals(want, io.get(name).sumNumber().doubleValue(), SUM_TOL * Math.max(1, Math.abs(want)), name);
            }
        }
        // mask and ids_restore agree as in the official random_masking: removed iff restored index >= keep (4)
        INDArray mask = io.get("mask");
        INDArray ids = io.get("ids_restore");
        for (int n = 0; n < 2; n++) {
            long[] row = ids.getRow(n).toLongVector();
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                    Arrays.stream(row).sorted().toArray(), "ids_restore is a permutation");
            assertEquals(12.0, mask.getRow(n).sumNumber().doubleValue());
            for (int l = 0; l < 16; l++) {
                assertEquals(row[l] >= 4 ? 1.0 : 0.0, mask.getDouble(n, l));
            }
        }
        // the cls row of the sin-cos table is zeros, and sin^2 + cos^2 = 1 for each frequency
        INDArray pe = io.get("sincos.pos_embed");
        assertEquals(0.0, pe.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all()).norm2Number().doubleValue());
        assertEquals(1.0, Math.pow(pe.getDouble(0, 5, 3), 2) + Math.pow(pe.getDouble(0, 5, 3 + 8), 2), 1e-15);
    }

    @Test
    void readsTheFloat32GoldenFile() throws Exception {
        SafeTensors.Contents c = SafeTensors.read(golden("mae_small_io_f32.safetensors"));
        assertEquals(DataType.FLOAT, c.tensors().get("pred").dataType());
        assertEquals((float) Double.parseDouble(c.metadata().get("check.loss")), c.tensors().get("loss").getFloat(0));
        assertEquals(1.6878361701965332, c.tensors().get("loss").getDouble(0), 0.0);
        assertEquals(-72.8543701171875, c.tensors().get("pred").sumNumber().doubleValue(), 1e-4);
    }

    @Test
    void readsEveryDtypePythonWrote() throws Exception {
        SafeTensors.Contents c = SafeTensors.read(golden("safetensors_dtypes.safetensors"));
        Map<String, INDArray> t = c.tensors();
        assertEquals(DataType.HALF, t.get("f16").dataType());
        assertArrayEquals(new float[] {0f, -0f, 1f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN}, t.get("f16").castTo(DataType.FLOAT).toFloatVector());
        assertEquals(DataType.BFLOAT16, t.get("bf16").dataType());
        assertArrayEquals(new float[] {1f, -2.5f, 3.140625f, (float) -1.0010069081221042e-38, (float) 3.3895313892515355e38,
            Float.POSITIVE_INFINITY, Float.NaN}, t.get("bf16").castTo(DataType.FLOAT).toFloatVector());
        assertEquals(DataType.LONG, t.get("i64").dataType());
        assertArrayEquals(new long[] {0, -1, (1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE}, t.get("i64").toLongVector());
        assertArrayEquals(new long[] {2, 2}, t.get("i32").shape());
        assertArrayEquals(new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, t.get("i32").reshape(4).toIntVector());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(t.get("f64").getDouble(0, 1)));
        assertEquals(1e-310, t.get("f64").getDouble(0, 2));
        assertEquals(Double.MAX_VALUE, t.get("f64").getDouble(0, 3));
        assertEquals(1e-40f, t.get("f32").getFloat(2));
        assertEquals(0, t.get("scalar").rank());
        assertEquals(42.5, t.get("scalar").getDouble(0));
        assertArrayEquals(new long[] {0, 3}, t.get("empty").shape());
        assertEquals(0, t.get("empty").length());
        SafeTensors.Header h = SafeTensors.readHeader(golden("safetensors_dtypes.safetensors"));
        assertEquals("BF16", h.tensors().get("bf16").dtype());
        assertEquals(7, h.tensors().get("bf16").length());
        assertEquals(c.metadata(), h.metadata());
    }

    // ----- corrupt files ----------------------------------------------------------------------

    private Path raw(String name, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(tmp.resolve(name), b.array());
    }

    private static void assertFails(Path file, String tensor, String... words) {
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), "names the file: " + m);
        if (tensor != null) {
            assertTrue(m.contains("tensor " + tensor), "names the tensor: " + m);
        }
        for (String w : words) {
            assertTrue(m.contains(w), "says '" + w + "': " + m);
        }
    }

    @Test
    void corruptFilesAreErrorsThatNameTheFileAndTheTensor() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},";
        assertFails(Files.write(tmp.resolve("empty"), new byte[0]), null, "not a safetensors file");
        assertFails(Files.write(tmp.resolve("short"), new byte[5]), null, "not a safetensors file");
        assertFails(Files.write(tmp.resolve("text"), "hello world, not tensors".getBytes(StandardCharsets.UTF_8)), null,
                "header length");
        Path cutHeader = raw("cut_header", ok + "\"b\":{}}", 0);
        Files.write(cutHeader, Arrays.copyOf(Files.readAllBytes(cutHeader), 20));
        assertFails(cutHeader, null, "truncated");
        assertFails(raw("bad_json", "{\"a\":{\"dtype\":\"F32\",", 0), null, "not valid JSON");
        assertFails(raw("array", "[1, 2, 3]", 0), null, "not a JSON object");
        assertFails(raw("dtype", ok + "\"b\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[8,9]}}", 9), "b",
                "unsupported dtype 'F8_E4M3'");
        assertFails(raw("beyond", ok + "\"b\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[8,40]}}", 16), "b",
                "beyond the data section");
        assertFails(raw("mismatch", ok + "\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[8,16]}}", 16), "b",
                "do not hold shape [3]");
        assertFails(raw("negative", ok + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8), "b");
        assertFails(raw("overlap", ok + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "b",
                "overlaps tensor a");
        assertFails(raw("no_shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "a", "no shape");
        assertFails(raw("bad_meta", ok + "\"__metadata__\":[1]}", 8), null, "__metadata__");
        // a good file cut short in its data
        Path good = tmp.resolve("good.safetensors");
        SafeTensors.write(good, Map.of("w", Nd4j.rand(DataType.DOUBLE, 10, 10)), Map.of());
        byte[] bytes = Files.readAllBytes(good);
        assertFails(Files.write(tmp.resolve("truncated"), Arrays.copyOf(bytes, bytes.length - 1)), "w", "truncated file?");
    }

    @Test
    void unwritableTypesAndNamesAreErrors() {
        Path file = tmp.resolve("x.safetensors");
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("", Nd4j.ones(2));
        IOException e = assertThrows(IOException.class, () -> SafeTensors.write(file, m, null));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(Files.exists(file));
    }

    // ----- half precision conversions ---------------------------------------------------------

    @Test
    void halfConversionsRoundTripEveryBitPatternAndRoundToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = SafeTensors.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(SafeTensors.halfToFloat(SafeTensors.floatToHalf(f))), "nan " + h);
            } else {
                assertEquals((short) h, SafeTensors.floatToHalf(f), "half bits " + Integer.toHexString(h));
            }
        }
        assertEquals(1f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(1f + 0x1p-11f)), "tie to even (down)");
        assertEquals(1f + 0x1p-9f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(1f + 0x1p-10f + 0x1p-11f)), "tie to even (up)");
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat(SafeTensors.floatToHalf(65520f)), "overflow");
        assertEquals(65504f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(65519f)));
        assertEquals(0x1p-24f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(0x1.8p-25f)), "subnormal rounding");
        assertEquals(0f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(0x1p-26f)), "underflow");
    }

    private static long[] rawBits(INDArray a) {
        INDArray flat = a.dup('c').reshape(a.length());
        return switch (a.dataType()) {
            case DOUBLE -> Arrays.stream(flat.toDoubleVector()).mapToLong(Double::doubleToRawLongBits).toArray();
            case FLOAT, HALF, BFLOAT16 -> {
                float[] f = flat.castTo(DataType.FLOAT).toFloatVector();
                long[] r = new long[f.length];
                for (int i = 0; i < f.length; i++) {
                    r[i] = Float.floatToRawIntBits(f[i]);
                }
                yield r;
            }
            default -> flat.castTo(DataType.LONG).toLongVector();
        };
    }
}
