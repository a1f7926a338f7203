package dev.maejvm.data.source;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-style IDX files (gzipped or not): an images file (magic 2051, unsigned bytes [N, H, W])
 * and, when it is found beside it, the labels file (magic 2049). Held in memory as bytes.
 */
public final class IdxDataset implements Dataset {
    private final Path imagesFile;
    private final byte[] pixels;
    private final int[] labels;
    private final int n;
    private final int h;
    private final int w;
    private final int numClasses;

    public IdxDataset(Path imagesFile) {
        this.imagesFile = imagesFile;
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != 2051) {
                throw new IllegalArgumentException(imagesFile + ": not an IDX images file (magic " + magic + ", expected 2051)");
            }
            n = in.readInt();
            h = in.readInt();
            w = in.readInt();
            if (n <= 0 || h <= 0 || w <= 0 || (long) n * h * w > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(imagesFile + ": bad IDX dimensions " + n + "x" + h + "x" + w);
            }
            pixels = new byte[n * h * w];
            in.readFully(pixels);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException(imagesFile + ": truncated IDX images file", e);
        } catch (IOException e) {
            throw new UncheckedIOException(imagesFile + ": cannot read", e);
        }
        Path labelsFile = labelsBeside(imagesFile);
        if (labelsFile != null) {
            labels = readLabels(labelsFile, n);
            int max = 0;
            for (int l : labels) {
                max = Math.max(max, l);
            }
            numClasses = max + 1;
        } else {
            labels = null;
            numClasses = 0;
        }
    }

    /** The labels file beside an images file: "-images-idx3-ubyte" becomes "-labels-idx1-ubyte". */
    static Path labelsBeside(Path imagesFile) {
        String name = imagesFile.getFileName().toString();
        if (!name.contains("images-idx3")) {
            return null;
        }
        Path p = imagesFile.resolveSibling(name.replace("images-idx3", "labels-idx1"));
        return Files.isRegularFile(p) ? p : null;
    }

    private static int[] readLabels(Path file, int expected) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            int count = in.readInt();
            if (magic != 2049 || count != expected) {
                throw new IllegalArgumentException(file + ": not the IDX labels for " + expected + " images (magic " + magic
                        + ", count " + count + ")");
            }
            byte[] b = new byte[count];
            in.readFully(b);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = b[i] & 0xff;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read labels", e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        return new DataInputStream(b1 == 0x1f && b2 == 0x8b ? new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16)) : raw);
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public Example get(int index) {
        float[] px = new float[h * w];
        int off = index * h * w;
        for (int i = 0; i < px.length; i++) {
            px[i] = (pixels[off + i] & 0xff) / 255f;
        }
        return new Example(new Image(1, h, w, px), labels == null ? -1 : labels[index], imagesFile + "#" + index);
    }

    @Override
    public String source(int index) {
        return imagesFile + "#" + index;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            names.add(String.valueOf(i));
        }
        return names;
    }

    @Override
    public String describe() {
        return "IDX " + imagesFile + ": " + n + " images " + h + "x" + w + (labels != null ? ", " + numClasses + " classes" : ", unlabeled");
    }
}
