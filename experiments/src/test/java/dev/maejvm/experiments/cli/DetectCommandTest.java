package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.source.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mae detect make-scenes} end to end: a small benchmark from the installed Fashion-MNIST
 * that CocoDataset reads, the summary it prints, a used folder refused (exit 2) unless --force,
 * bad options named.
 */
class DetectCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run mae(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int code = MaeCommand.newCommandLine().execute(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void makeScenesWritesACocoBenchmarkAndRefusesToOverwriteIt() throws Exception {
        Path out = dir.resolve("scenes");
        String[] args = {"detect", "make-scenes", "--out", out.toString(), "--train-scenes", "12", "--test-scenes", "5", "--seed", "7"};
        Run r = mae(args);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("train: 12 scenes") && r.out().contains("test : 5 scenes"), r.out());
        assertTrue(r.out().contains("by size (COCO, box area w*h): small "), r.out());
        CocoDataset train = (CocoDataset) Datasets.open(out.resolve("annotations/instances_train.json"));
        CocoDataset test = (CocoDataset) Datasets.open(out.resolve("annotations/instances_test.json"));
        assertEquals(12, train.size());
        assertEquals(5, test.size());
        assertEquals(128, train.detection(0).image().width(), "the default canvas");
        int objects = 0;
        for (int i = 0; i < train.size(); i++) {
            objects += train.boxes(i).size();
        }
        assertTrue(r.out().contains("train: 12 scenes, " + objects + " objects"), r.out());
        try (Stream<Path> pngs = Files.list(out.resolve("train"))) {
            assertEquals(12, pngs.count());
        }

        Run again = mae(args);
        assertEquals(ExitCodes.USAGE, again.exit());
        assertTrue(again.err().contains("--out " + out + ": is not empty") && again.err().contains("--force"), again.err());
        byte[] before = Files.readAllBytes(out.resolve("annotations/instances_train.json"));
        List<String> forced = new java.util.ArrayList<>(List.of(args));
        forced.add("--force");
        assertEquals(0, mae(forced.toArray(String[]::new)).exit());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("annotations/instances_train.json"))),
                "the same seed, the same file");
    }

    @Test
    void badOptionsAreNamed() {
        Run r = mae("detect", "make-scenes", "--out", dir.resolve("x").toString(), "--max-scale", "6");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("error: --max-scale 6.0 makes items of 168 pixels, more than the canvas (--canvas 128)"), r.err());
        r = mae("detect", "make-scenes", "--out", dir.resolve("x").toString(), "--min-objects", "4", "--max-objects", "2");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("error: --max-objects must be in [--min-objects = 4, 100]"), r.err());
        r = mae("detect", "make-scenes", "--out", dir.resolve("x").toString(), "--fashion-mnist", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--fashion-mnist: " + dir.resolve("train-images-idx3-ubyte.gz") + ": no such file"), r.err());
        assertEquals(ExitCodes.OK, mae("detect", "--help").exit());
    }
}
