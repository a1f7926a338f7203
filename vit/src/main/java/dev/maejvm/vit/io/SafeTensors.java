package dev.maejvm.vit.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format over ND4J arrays: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {string: string}}}, offsets relative to the first byte after the header), then
 * the raw little-endian row-major tensor bytes. Files written by the Python {@code safetensors}
 * package, by {@code make_golden.py} and by this class read the same.
 *
 * <p>Read: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, each kept as the matching ND4J type
 * or converted to a requested one. Write: the same types (F64/F32 for parameters), atomically
 * (a temporary file in the same folder, forced to disk, then renamed). Every error is an
 * {@link IOException} whose message names the file and, where there is one, the tensor.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The limit of the reference implementation (huggingface/safetensors): 100 MB of header. */
    private static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";

    /** A file's tensors, in file order, and its {@code __metadata__}. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

    /** One header entry: the stored dtype name ("F32", ...), shape, and byte range in the data section. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public long length() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }
    }

    /** A parsed and validated header: tensors in file order and the metadata. */
    public record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {}

    private SafeTensors() {}

    /** Reads every tensor in its stored type. */
    public static Contents read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads every tensor.
     *
     * @param as the ND4J type to convert every tensor to, or null to keep the stored type
     *     (F64 DOUBLE, F32 FLOAT, F16 HALF, BF16 BFLOAT16, I64 LONG, I32 INT, I16 SHORT, I8 BYTE,
     *     U8 UBYTE, BOOL BOOL)
     */
    public static Contents read(Path file, DataType as) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(ch, file);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (TensorInfo t : h.tensors().values()) {
                INDArray a = decode(ch, file, t, h.dataStart());
                tensors.put(t.name(), as == null || as == a.dataType() ? a : a.castTo(as));
            }
            return new Contents(tensors, new LinkedHashMap<>(h.metadata()));
        }
    }

    /** Receives one tensor of {@link #stream}. */
    @FunctionalInterface
    public interface TensorVisitor {
        void accept(TensorInfo info, INDArray value) throws IOException;
    }

    /**
     * Reads the wanted tensors one at a time, in file order, and hands each to the visitor; its
     * memory is released when the visitor returns, so a reader that copies each into place holds
     * one tensor at a time (a vit-h14 checkpoint is 7.9 GB).
     *
     * @param as the ND4J type to convert every tensor to, or null to keep the stored type
     * @return the header, as {@link #readHeader}
     */
    public static Header stream(Path file, DataType as, Predicate<TensorInfo> wanted, TensorVisitor visitor)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(ch, file);
            for (TensorInfo t : h.tensors().values()) {
                if (!wanted.test(t)) {
                    continue;
                }
                INDArray stored = decode(ch, file, t, h.dataStart());
                INDArray a = as == null || as == stored.dataType() ? stored : stored.castTo(as);
                try {
                    visitor.accept(t, a);
                } finally {
                    release(a);
                    if (a != stored) {
                        release(stored);
                    }
                }
            }
            return h;
        }
    }

    private static void release(INDArray a) {
        if (a.closeable()) {
            a.close();
        }
    }

    /** Reads and validates only the header (names, dtypes, shapes, metadata): cheap on big files. */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(ch, file);
        }
    }

    /**
     * Writes the tensors in map order, with the metadata, atomically: a crash leaves either the
     * old file or the new one, never a half-written one.
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA);
            metadata.forEach((k, v) -> meta.put(k, v == null ? "" : v));
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            if (name == null || name.isEmpty() || name.equals(METADATA) || a == null) {
                throw new IOException(file + ": cannot write tensor '" + name + "' (empty or reserved name, or null array)");
            }
            String dtype = dtypeName(a.dataType(), file, name);
            long bytes = a.length() * a.dataType().width();
            ObjectNode t = root.putObject(name);
            t.put("dtype", dtype);
            ArrayNode shape = t.putArray("shape");
            for (long s : a.shape()) {
                shape.add(s);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = json.length + (8 - json.length % 8) % 8;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) {
                    head.put((byte) ' ');
                }
                writeFully(ch, head.flip());
                for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                    writeFully(ch, encode(e.getValue(), file, e.getKey()));
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ----- header -----------------------------------------------------------------------------

    private static Header header(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new IOException(file + ": not a safetensors file (" + size + " bytes, less than the 8-byte header length)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file, "the header length");
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 2 || headerLen > MAX_HEADER) {
            throw new IOException(file + ": bad safetensors header length " + Long.toUnsignedString(headerLen)
                    + " (not a safetensors file?)");
        }
        if (8 + headerLen > size) {
            throw new IOException(file + ": truncated: the header needs " + (8 + headerLen) + " bytes, the file has " + size);
        }
        ByteBuffer buf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, buf, 8, file, "the header");
        JsonNode root;
        try {
            root = JSON.readTree(new String(buf.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": the safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": the safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA)) {
                if (!e.getValue().isObject()) {
                    throw new IOException(file + ": __metadata__ is not a JSON object");
                }
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(),
                        m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            TensorInfo t = info(file, e.getKey(), e.getValue());
            if (t.end() > dataSize) {
                throw new IOException(file + ": tensor " + t.name() + " has data_offsets [" + t.begin() + ", " + t.end()
                        + "] beyond the data section of " + dataSize + " bytes (truncated file?)");
            }
            tensors.put(t.name(), t);
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1);
            TensorInfo t = byOffset.get(i);
            if (t.begin() < prev.end()) {
                throw new IOException(file + ": tensor " + t.name() + " [" + t.begin() + ", " + t.end() + ") overlaps tensor "
                        + prev.name() + " [" + prev.begin() + ", " + prev.end() + ")");
            }
        }
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static TensorInfo info(Path file, String name, JsonNode spec) throws IOException {
        String where = file + ": tensor " + name;
        if (!spec.isObject()) {
            throw new IOException(where + ": header entry is not a JSON object");
        }
        JsonNode dtype = spec.get("dtype");
        JsonNode shapeNode = spec.get("shape");
        JsonNode offs = spec.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) {
            throw new IOException(where + ": no dtype");
        }
        width(dtype.asText(), where);
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new IOException(where + ": no shape array");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = shapeNode.get(i);
            if (!s.canConvertToLong() || !s.isIntegralNumber() || s.asLong() < 0) {
                throw new IOException(where + ": bad shape " + shapeNode);
            }
            shape[i] = s.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new IOException(where + ": shape " + shapeNode + " overflows");
            }
        }
        if (offs == null || !offs.isArray() || offs.size() != 2 || !offs.get(0).isIntegralNumber()
                || !offs.get(1).isIntegralNumber()) {
            throw new IOException(where + ": data_offsets is not [begin, end]");
        }
        long begin = offs.get(0).asLong();
        long end = offs.get(1).asLong();
        long bytes = count > Long.MAX_VALUE / 8 ? -1 : count * width(dtype.asText(), where);
        if (bytes < 0 || begin < 0 || end < begin || end - begin != bytes) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] do not hold shape "
                    + Arrays.toString(shape) + " of " + dtype.asText() + " (" + bytes + " bytes)");
        }
        return new TensorInfo(name, dtype.asText(), shape, begin, end);
    }

    private static int width(String dtype, String where) throws IOException {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> throw new IOException(where + ": unsupported dtype '" + dtype
                    + "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        };
    }

    // ----- data -------------------------------------------------------------------------------

    private static INDArray decode(FileChannel ch, Path file, TensorInfo t, long dataStart) throws IOException {
        long bytes = t.end() - t.begin();
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": tensor " + t.name() + " has " + bytes + " bytes, over the 2 GiB this reader handles");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + t.begin(), file, "tensor " + t.name());
        buf.flip();
        int n = (int) t.length();
        long[] shape = t.shape();
        switch (t.dtype()) {
            case "F64": {
                double[] v = new double[n];
                buf.asDoubleBuffer().get(v);
                return Nd4j.create(v, shape, DataType.DOUBLE);
            }
            case "F32": {
                float[] v = new float[n];
                buf.asFloatBuffer().get(v);
                return Nd4j.create(v, shape, DataType.FLOAT);
            }
            case "F16":
            case "BF16": {
                float[] v = new float[n];
                boolean half = t.dtype().equals("F16");
                for (int i = 0; i < n; i++) {
                    short s = buf.getShort();
                    v[i] = half ? halfToFloat(s) : Float.intBitsToFloat((s & 0xffff) << 16);
                }
                return Nd4j.create(v, shape, DataType.FLOAT).castTo(half ? DataType.HALF : DataType.BFLOAT16); // exact
            }
            case "I64": {
                long[] v = new long[n];
                buf.asLongBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(shape);
            }
            case "I32": {
                int[] v = new int[n];
                buf.asIntBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(shape);
            }
            default: { // I16, I8, U8, BOOL: small integers, exact through int
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (t.dtype()) {
                        case "I16" -> buf.getShort();
                        case "I8" -> buf.get();
                        case "U8" -> buf.get() & 0xff;
                        default -> buf.get() != 0 ? 1 : 0;
                    };
                }
                DataType dt = switch (t.dtype()) {
                    case "I16" -> DataType.SHORT;
                    case "I8" -> DataType.BYTE;
                    case "U8" -> DataType.UBYTE;
                    default -> DataType.BOOL;
                };
                return Nd4j.createFromArray(v).reshape(shape).castTo(dt);
            }
        }
    }

    private static String dtypeName(DataType dt, Path file, String name) throws IOException {
        return switch (dt) {
            case DOUBLE -> "F64";
            case FLOAT -> "F32";
            case HALF -> "F16";
            case BFLOAT16 -> "BF16";
            case LONG -> "I64";
            case INT -> "I32";
            case SHORT -> "I16";
            case BYTE -> "I8";
            case UBYTE -> "U8";
            case BOOL -> "BOOL";
            default -> throw new IOException(file + ": tensor " + name + " has ND4J type " + dt + ", which safetensors cannot hold here");
        };
    }

    private static ByteBuffer encode(INDArray a, Path file, String name) throws IOException {
        long bytes = a.length() * a.dataType().width();
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": tensor " + name + " has " + bytes + " bytes, over the 2 GiB this writer handles");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (a.length() == 0) {
            return b;
        }
        INDArray flat = a.dup('c').reshape(a.length()); // row-major, no view offsets
        switch (a.dataType()) {
            case DOUBLE -> b.asDoubleBuffer().put(flat.toDoubleVector());
            case FLOAT -> b.asFloatBuffer().put(flat.toFloatVector());
            case LONG -> b.asLongBuffer().put(flat.toLongVector());
            case INT -> b.asIntBuffer().put(flat.toIntVector());
            case HALF, BFLOAT16 -> {
                boolean half = a.dataType() == DataType.HALF;
                for (float f : flat.castTo(DataType.FLOAT).toFloatVector()) { // exact: every half/bf16 is a float
                    b.putShort(half ? floatToHalf(f) : (short) (Float.floatToRawIntBits(f) >>> 16));
                }
            }
            default -> { // SHORT, BYTE, UBYTE, BOOL
                for (int v : flat.castTo(DataType.INT).toIntVector()) {
                    if (a.dataType() == DataType.SHORT) {
                        b.putShort((short) v);
                    } else {
                        b.put((byte) v);
                    }
                }
            }
        }
        return b.position(0).limit((int) bytes);
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat is Java 20+). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / nan
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant * 2^-24, exact
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** float to IEEE 754 binary16, rounding to nearest even (Float.floatToFloat16 is Java 20+). */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0)); // nan stays nan
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00); // overflow to inf
        }
        if (e <= 0) { // subnormal half or zero
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, up to inf: correct
        }
        return (short) (sign | half);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file, String what) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + ": truncated while reading " + what + " (file ends at byte " + pos + ")");
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
