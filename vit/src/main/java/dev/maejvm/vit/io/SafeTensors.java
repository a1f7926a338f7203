package dev.maejvm.vit.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header of name -> dtype,
 * shape, data_offsets, then raw little-endian row-major bytes) over ND4J arrays.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** A file's tensors, in file order, and its {@code __metadata__}. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

    private SafeTensors() {}

    /** Reads every tensor, converted to {@code as} (null keeps the stored type). */
    public static Contents read(Path file, DataType as) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(file + ": bad safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8, file);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": the safetensors header is not valid JSON: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), readTensor(ch, file, e.getKey(), e.getValue(), dataStart, size, as));
            }
            return new Contents(tensors, metadata);
        }
    }

    /** Writes the tensors (F32 or F64 as they are; others as F32) and metadata, atomically. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        Map<String, INDArray> prepared = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            INDArray c = a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.FLOAT);
            prepared.put(e.getKey(), c);
            long bytes = c.length() * c.dataType().width();
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", c.dataType() == DataType.DOUBLE ? "F64" : "F32");
            var shape = t.putArray("shape");
            for (long s : a.shape()) {
                shape.add(s);
            }
            var offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + bytes);
            offset += bytes;
        }
        byte[] header = JSON.writeValueAsBytes(root);
        int pad = (8 - header.length % 8) % 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length + pad);
            out.write(len.array());
            out.write(header);
            for (int i = 0; i < pad; i++) {
                out.write(' ');
            }
            for (INDArray a : prepared.values()) {
                ByteBuffer b = ByteBuffer.allocate((int) (a.length() * a.dataType().width())).order(ByteOrder.LITTLE_ENDIAN);
                INDArray flat = a.dup('c').reshape(a.length());
                if (a.dataType() == DataType.DOUBLE) {
                    b.asDoubleBuffer().put(flat.toDoubleVector());
                } else {
                    b.asFloatBuffer().put(flat.toFloatVector());
                }
                out.write(b.array());
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static INDArray readTensor(FileChannel ch, Path file, String name, JsonNode spec, long dataStart, long size,
                                       DataType as) throws IOException {
        String dtype = spec.path("dtype").asText();
        long[] shape = new long[spec.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = spec.path("shape").get(i).asLong();
        }
        long begin = spec.path("data_offsets").path(0).asLong(-1);
        long end = spec.path("data_offsets").path(1).asLong(-1);
        long count = 1;
        for (long s : shape) {
            count *= s;
        }
        int width = switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IOException(file + ": tensor " + name + " has unsupported dtype '" + dtype + "'");
        };
        if (begin < 0 || end < begin || dataStart + end > size || end - begin != count * width) {
            throw new IOException(file + ": tensor " + name + " has data_offsets [" + begin + ", " + end
                    + "] that do not fit its shape " + java.util.Arrays.toString(shape) + " (" + dtype + ") or the file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + begin, file);
        buf.flip();
        double[] values = new double[(int) count];
        for (int i = 0; i < count; i++) {
            values[i] = switch (dtype) {
                case "F64" -> buf.getDouble();
                case "F32" -> buf.getFloat();
                case "I64" -> buf.getLong();
                case "I32" -> buf.getInt();
                case "F16" -> halfToFloat(buf.getShort());
                default -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
            };
        }
        DataType stored = switch (dtype) {
            case "F64" -> DataType.DOUBLE;
            case "I64" -> DataType.LONG;
            case "I32" -> DataType.INT;
            default -> DataType.FLOAT;
        };
        INDArray a = Nd4j.create(values, shape.length == 0 ? new long[0] : shape, DataType.DOUBLE);
        return a.castTo(as != null ? as : stored);
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat is Java 20+). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));     // inf / nan
        }
        if (exp == 0) {
            float v = mant / 1024f / 16384f;                                     // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + ": truncated (ended at byte " + pos + ")");
            }
            pos += n;
        }
    }
}
