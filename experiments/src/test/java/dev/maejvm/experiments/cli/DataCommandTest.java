package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.source.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mae data export` writes real PNG files that read back to the same pixels and labels; `stats` measures them. */
class DataCommandTest {
    @TempDir
    Path dir;

    @Test
    void exportedPngsReadBackExactlyAndStatsMeasureThem() throws IOException {
        Path images = dir.resolve("toy-images-idx3-ubyte");
        Path labels = dir.resolve("toy-labels-idx1-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(2051);
            out.writeInt(12);
            out.writeInt(5);
            out.writeInt(7);
            for (int i = 0; i < 12 * 35; i++) {
                out.writeByte((i * 37) % 256);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(labels))) {
            out.writeInt(2049);
            out.writeInt(12);
            for (int i = 0; i < 12; i++) {
                out.writeByte(i % 3);
            }
        }
        Path png = dir.resolve("png");
        assertEquals(0, MaeCommand.newCommandLine().execute("data", "export", "--source", images.toString(), "--out", png.toString()));
        assertEquals(4, Files.list(png.resolve("2")).count(), "one folder per class");
        Dataset src = Datasets.open(images, true);
        Dataset back = Datasets.open(png, true);
        assertEquals(12, back.size());
        // the labelled folder lists class 0's files first, in name order: source indices 0, 3, 6, 9
        assertEquals(0, back.get(1).label());
        assertArrayEquals(src.get(3).image().pixels(), back.get(1).image().pixels(), 0f);
        assertArrayEquals(src.get(11).image().pixels(), back.get(11).image().pixels(), 0f);

        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            assertEquals(0, MaeCommand.newCommandLine().execute("data", "stats", "--source", png.toString()));
        } finally {
            System.setOut(old);
        }
        double sum = 0;
        for (int i = 0; i < 12 * 35; i++) {
            sum += ((i * 37) % 256) / 255.0;
        }
        String expected = String.format("channel 0: mean %.4f", sum / (12 * 35));
        assertTrue(out.toString().contains(expected) && out.toString().contains("{1x5x7=12}"), out.toString());
    }
}
