package dev.maejvm.data.detection.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.detection.DetectionExample;
import dev.maejvm.data.detection.SizeRange;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.data.source.IdxDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenes generator on real Fashion-MNIST items: its files read back through CocoDataset with
 * exactly the generated boxes, tight around the items' visible pixels; the same seed gives the
 * same bytes; the defaults hold all three COCO size ranges; a used folder is refused unless forced.
 */
class SceneGeneratorTest {
    static IdxDataset train;
    static IdxDataset test;

    @TempDir
    Path dir;

    @BeforeAll
    static void items() {
        train = new IdxDataset(FashionMnist.trainImages());
        test = new IdxDataset(FashionMnist.testImages());
    }

    /** 96 px canvas, 6 train and 3 test scenes of 1-4 items, boxes that never overlap (so each pixel has one owner). */
    static SceneConfig tiny(long seed) {
        return new SceneConfig(96, 6, 3, 1, 4, 0.75, 3.0, 0.0, 12, 50, seed);
    }

    @Test
    void scenesReadBackThroughCocoDatasetWithExactlyTheGeneratedTightBoxes() throws IOException {
        SceneGenerator g = new SceneGenerator(tiny(3), train, test, FashionMnist.CLASS_NAMES);
        Path out = dir.resolve("scenes");
        List<SceneSummary> summaries = SceneWriter.write(g, out, false, null);
        assertEquals(List.of(SceneSplit.TRAIN, SceneSplit.TEST), summaries.stream().map(SceneSummary::split).toList());
        ObjectMapper json = new ObjectMapper();
        for (SceneSplit split : SceneSplit.values()) {
            Path ann = out.resolve("annotations").resolve(split.annotationsFile());
            CocoDataset ds = (CocoDataset) Datasets.open(ann);
            assertEquals(g.scenes(split), ds.size());
            assertEquals(FashionMnist.CLASS_NAMES, List.copyOf(ds.categories().values()));
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), List.copyOf(ds.categories().keySet()));
            int objects = 0;
            for (int i = 0; i < ds.size(); i++) {
                SceneGenerator.Scene scene = g.scene(split, i);
                List<BoundingBox> expected = scene.plan().placements().stream().map(Placement::box).toList();
                DetectionExample ex = ds.detection(i);
                assertEquals(expected, ex.boxes(), split + " scene " + i);
                assertTrue(ex.source().endsWith(split.folder() + "/" + SceneGenerator.fileName(i)), ex.source());
                assertPixels(scene.pixels(), ex.image());
                assertTight(ex, 12);
                objects += expected.size();
            }
            assertEquals(objects, summaries.get(split.ordinal()).objects());
            JsonNode root = json.readTree(ann.toFile());
            for (JsonNode a : root.path("annotations")) {
                JsonNode b = a.path("bbox");
                assertEquals(b.get(2).asInt() * b.get(3).asInt(), a.path("area").asInt(), "area = w * h: " + a);
                assertEquals(0, a.path("iscrowd").asInt());
                assertTrue(b.get(2).asInt() > 0 && b.get(3).asInt() > 0, a.toString());
            }
            for (JsonNode im : root.path("images")) {
                assertEquals(96, im.path("width").asInt());
                assertEquals(96, im.path("height").asInt());
            }
            assertEquals(objects, root.path("annotations").size());
        }
        assertFalse(Files.exists(out.resolve("annotations").resolve("instances_train.json.tmp")));
    }

    /** The PNG holds exactly the rendered levels. */
    static void assertPixels(int[] levels, Image img) {
        assertEquals(1, img.channels());
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] != Math.round(img.pixels()[i] * 255)) {
                throw new AssertionError("pixel " + i + ": written " + levels[i] + ", read " + img.pixels()[i] * 255);
            }
        }
    }

    /** Boxes do not overlap here, so: every pixel above the background lies in a box, and each box edge touches one. */
    static void assertTight(DetectionExample ex, int noise) {
        Image img = ex.image();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                if (Math.round(img.get(0, y, x) * 255) > noise) {
                    int fx = x;
                    int fy = y;
                    assertTrue(ex.boxes().stream().anyMatch(b -> fx >= b.x0() && fx < b.x1() && fy >= b.y0() && fy < b.y1()),
                            () -> "visible pixel (" + fx + ", " + fy + ") outside every box " + ex.boxes());
                }
            }
        }
        for (BoundingBox b : ex.boxes()) {
            int x0 = (int) b.x0();
            int y0 = (int) b.y0();
            int x1 = (int) b.x1() - 1;
            int y1 = (int) b.y1() - 1;
            assertTrue(rowVisible(img, y0, x0, x1, noise) && rowVisible(img, y1, x0, x1, noise)
                    && columnVisible(img, x0, y0, y1, noise) && columnVisible(img, x1, y0, y1, noise), "box " + b + " is not tight");
        }
    }

    private static boolean rowVisible(Image img, int y, int x0, int x1, int noise) {
        for (int x = x0; x <= x1; x++) {
            if (Math.round(img.get(0, y, x) * 255) > noise) {
                return true;
            }
        }
        return false;
    }

    private static boolean columnVisible(Image img, int x, int y0, int y1, int noise) {
        for (int y = y0; y <= y1; y++) {
            if (Math.round(img.get(0, y, x) * 255) > noise) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOtherScenes() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        SceneWriter.write(new SceneGenerator(tiny(5), train, test, FashionMnist.CLASS_NAMES), a, false, null);
        SceneWriter.write(new SceneGenerator(tiny(5), train, test, FashionMnist.CLASS_NAMES), b, false, null);
        SceneWriter.write(new SceneGenerator(tiny(6), train, test, FashionMnist.CLASS_NAMES), c, false, null);
        List<Path> files = files(a);
        assertEquals(6 + 3 + 2, files.size());
        assertEquals(files.stream().map(a::relativize).toList(), files(b).stream().map(b::relativize).toList());
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.resolve(a.relativize(f))), f.toString());
        }
        assertNotEquals(Files.readString(a.resolve("annotations/instances_train.json")),
                Files.readString(c.resolve("annotations/instances_train.json")));
    }

    static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void trainAndTestDrawFromTheirOwnFashionMnistSetsWithoutRepeats() {
        SceneGenerator g = new SceneGenerator(SceneConfig.defaults().withScenes(200, 100), train, test, FashionMnist.CLASS_NAMES);
        for (SceneSplit split : SceneSplit.values()) {
            List<Integer> sources = new ArrayList<>();
            for (int i = 0; i < g.scenes(split); i++) {
                g.plan(split, i).placements().forEach(p -> sources.add(p.item().source()));
            }
            assertEquals(sources.size(), sources.stream().distinct().count(), split + ": an item used twice");
            int n = split == SceneSplit.TRAIN ? train.size() : test.size();
            assertTrue(sources.stream().allMatch(s -> s >= 0 && s < n));
        }
    }

    /**
     * The default settings hold all three COCO size ranges in both splits (planned, no files: the
     * boxes are the same as written ones); the shares are those docs/DATA.md states, within a few points.
     */
    @Test
    void defaultSettingsHoldSmallMediumAndLargeObjects() {
        SceneGenerator g = new SceneGenerator(SceneConfig.defaults().withScenes(1000, 500), train, test, FashionMnist.CLASS_NAMES);
        for (SceneSplit split : SceneSplit.values()) {
            SceneSummary s = g.summarize(split);
            assertTrue(s.share(SizeRange.SMALL) > 0.30 && s.share(SizeRange.SMALL) < 0.48, s.describe());
            assertTrue(s.share(SizeRange.MEDIUM) > 0.45 && s.share(SizeRange.MEDIUM) < 0.63, s.describe());
            assertTrue(s.share(SizeRange.LARGE) > 0.035 && s.share(SizeRange.LARGE) < 0.10, s.describe());
            assertEquals(10, s.byCategory().size(), "every category appears: " + s.describe());
            assertTrue(s.objects() > 2.2 * s.scenes(), s.describe());
        }
    }

    @Test
    void aUsedFolderIsRefusedUnlessForcedAndForcingReplacesTheScenes() throws IOException {
        Path out = dir.resolve("used");
        SceneGenerator g = new SceneGenerator(tiny(1), train, test, FashionMnist.CLASS_NAMES);
        SceneWriter.write(g, out, false, null);
        Files.writeString(out.resolve("train").resolve("999999.png"), "stale");
        Files.writeString(out.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SceneWriter.write(g, out, false, null));
        assertTrue(e.getMessage().startsWith(out + ": is not empty") && e.getMessage().contains("force"), e.getMessage());
        SceneWriter.write(g, out, true, null);
        assertFalse(Files.exists(out.resolve("train").resolve("999999.png")), "stale scenes are removed");
        assertEquals("mine", Files.readString(out.resolve("notes.txt")), "other files are left alone");
        assertEquals(6, ((CocoDataset) Datasets.open(out.resolve("annotations/instances_train.json"))).size());
    }

    /** Items that fail after {@code good} reads, as an interrupted run stops. */
    record FailingItems(Dataset items, int good, java.util.concurrent.atomic.AtomicInteger reads) implements Dataset {
        @Override
        public int size() {
            return items.size();
        }

        @Override
        public dev.maejvm.data.Example get(int index) {
            if (reads.incrementAndGet() > good) {
                throw new IllegalStateException("interrupted");
            }
            return items.get(index);
        }

        @Override
        public int numClasses() {
            return items.numClasses();
        }

        @Override
        public List<String> classNames() {
            return items.classNames();
        }

        @Override
        public String describe() {
            return "failing " + items.describe();
        }
    }

    @Test
    void anInterruptedRunLeavesNoAnnotationsNamingMissingImages() throws IOException {
        Path out = dir.resolve("interrupted");
        SceneWriter.write(new SceneGenerator(tiny(2), train, test, FashionMnist.CLASS_NAMES), out, false, null);
        // again with --force, failing in the middle of the train split: the old JSONs are gone first
        SceneGenerator failing = new SceneGenerator(tiny(2), new FailingItems(train, 6, new java.util.concurrent.atomic.AtomicInteger()),
                test, FashionMnist.CLASS_NAMES);
        assertThrows(IllegalStateException.class, () -> SceneWriter.write(failing, out, true, null));
        assertFalse(Files.exists(out.resolve("annotations/instances_train.json")));
        assertFalse(Files.exists(out.resolve("annotations/instances_test.json")));
        assertFalse(Files.exists(out.resolve("annotations/instances_train.json.tmp")));
        // failing in the test split: train's JSON is complete and names only PNGs that exist
        SceneGenerator late = new SceneGenerator(tiny(2), train, new FailingItems(test, 3, new java.util.concurrent.atomic.AtomicInteger()),
                FashionMnist.CLASS_NAMES);
        assertThrows(IllegalStateException.class, () -> SceneWriter.write(late, out, true, null));
        assertFalse(Files.exists(out.resolve("annotations/instances_test.json")));
        assertEquals(6, ((CocoDataset) Datasets.open(out.resolve("annotations/instances_train.json"))).size(),
                "opening checks that every image it lists is on disk");
    }

    @Test
    void badSettingsNameTheirField() {
        SceneConfig d = SceneConfig.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SceneConfig(128, 10, 10, 1, 5, 0.75,
                5.0, 0.2, 12, 50, 0));
        assertTrue(e.getMessage().startsWith("maxScale 5.0 makes items of 140 pixels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SceneConfig(128, 10, 10, 3, 2, 0.75, 4, 0.2, 12, 50, 0));
        assertTrue(e.getMessage().startsWith("maxObjects must be"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SceneConfig(128, 10, 10, 1, 2, 0.75, 4, 1.5, 12, 50, 0));
        assertTrue(e.getMessage().startsWith("maxOverlap must be"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.withScenes(0, 0));
        assertTrue(e.getMessage().startsWith("trainScenes and testScenes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SceneConfig(128, 10, 10, 1, 2, 0.01, 4, 0.2, 12, 50, 0));
        assertTrue(e.getMessage().startsWith("minScale must"), e.getMessage());
    }
}
