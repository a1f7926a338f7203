package dev.maejvm.data.source;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * CIFAR-10 / CIFAR-100 in their binary form: records of label byte(s) then 3072 bytes of a
 * 32 x 32 image as red, green and blue planes. CIFAR-10: 1 label byte (3073-byte records,
 * {@code data_batch_N.bin}, {@code test_batch.bin}); CIFAR-100: coarse then fine label (3074 bytes,
 * {@code train.bin}, {@code test.bin}; the fine label is used). A folder means its training files.
 */
public final class CifarDataset implements Dataset {
    private static final int PIXELS = 3 * 32 * 32;

    private final String describe;
    private final List<Path> files;
    private final byte[] data;
    private final int recordSize;
    private final int n;
    private final int numClasses;

    public CifarDataset(Path fileOrFolder) {
        files = resolve(fileOrFolder);
        long total = 0;
        for (Path f : files) {
            total += size(f);
        }
        recordSize = total % 3073 == 0 ? 3073 : total % 3074 == 0 ? 3074 : -1;
        if (recordSize < 0 || total == 0) {
            throw new IllegalArgumentException(fileOrFolder + ": not CIFAR binary data (" + total
                    + " bytes is not a whole number of 3073- or 3074-byte records)");
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(fileOrFolder + ": too large for one CIFAR dataset");
        }
        data = new byte[(int) total];
        int off = 0;
        for (Path f : files) {
            try {
                byte[] b = Files.readAllBytes(f);
                System.arraycopy(b, 0, data, off, b.length);
                off += b.length;
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": cannot read", e);
            }
        }
        n = (int) (total / recordSize);
        numClasses = recordSize == 3073 ? 10 : 100;
        describe = "CIFAR-" + numClasses + " " + fileOrFolder + ": " + n + " images 32x32";
    }

    private static List<Path> resolve(Path p) {
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.list(p)) {
            List<Path> train = new ArrayList<>(s.filter(f -> {
                String name = f.getFileName().toString();
                return name.matches("data_batch_\\d+\\.bin") || name.equals("train.bin");
            }).sorted().toList());
            if (train.isEmpty()) {
                throw new IllegalArgumentException(p + ": no CIFAR training files (data_batch_N.bin or train.bin)");
            }
            return train;
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot list", e);
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read", e);
        }
    }

    /** Whether a path looks like CIFAR binary data (a .bin file or a folder of batches). */
    public static boolean looksLike(Path p) {
        if (Files.isRegularFile(p)) {
            return p.getFileName().toString().endsWith(".bin");
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.anyMatch(f -> f.getFileName().toString().matches("data_batch_\\d+\\.bin|train\\.bin"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public Example get(int index) {
        int base = index * recordSize;
        int label = data[base + recordSize - PIXELS - 1] & 0xff;
        float[] px = new float[PIXELS];
        int start = base + recordSize - PIXELS;
        for (int i = 0; i < PIXELS; i++) {
            px[i] = (data[start + i] & 0xff) / 255f;
        }
        return new Example(new Image(3, 32, 32, px), label, files.get(0).getParent() + "#" + index);
    }

    @Override
    public String source(int index) {
        return files.get(0).getParent() + "#" + index;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        return IntStream.range(0, numClasses).mapToObj(String::valueOf).toList();
    }

    @Override
    public String describe() {
        return describe;
    }
}
