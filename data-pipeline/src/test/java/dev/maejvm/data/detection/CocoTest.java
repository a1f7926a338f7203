package dev.maejvm.data.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import dev.maejvm.data.source.DatasetKind;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.transform.Interpolation;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO annotations read into pixel xyxy boxes; box transforms keep each box on its object. */
class CocoTest {
    /** A box may be off its object by the resampling blur at the object's edge: one pixel. */
    static final double EDGE_TOLERANCE = 1.0;

    @TempDir
    Path dir;

    /** COCO's layout: annotations/instances_train.json and train/ with two images holding white rectangles. */
    Path cocoSet() throws Exception {
        Path images = Files.createDirectories(dir.resolve("train"));
        int[][] objects = {{5, 4, 12, 9}, {20, 10, 8, 14}};           // x, y, w, h
        BufferedImage a = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int[] o : objects) {
            for (int y = o[1]; y < o[1] + o[3]; y++) {
                for (int x = o[0]; x < o[0] + o[2]; x++) {
                    a.setRGB(x, y, 0xffffff);
                }
            }
        }
        ImageIO.write(a, "png", images.resolve("a.png").toFile());
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", images.resolve("empty.png").toFile());
        Path ann = Files.createDirectories(dir.resolve("annotations")).resolve("instances_train.json");
        Files.writeString(ann, """
                {"images": [{"id": 7, "file_name": "a.png", "width": 40, "height": 30},
                            {"id": 9, "file_name": "empty.png", "width": 16, "height": 16}],
                 "annotations": [
                   {"id": 1, "image_id": 7, "category_id": 3, "bbox": [5, 4, 12, 9], "iscrowd": 0},
                   {"id": 2, "image_id": 7, "category_id": 18, "bbox": [20, 10, 8, 14], "iscrowd": 0},
                   {"id": 3, "image_id": 7, "category_id": 18, "bbox": [0, 0, 40, 30], "iscrowd": 1}],
                 "categories": [{"id": 3, "name": "car"}, {"id": 18, "name": "dog"}]}
                """);
        return ann;
    }

    @Test
    void annotationsBecomePixelBoxesAndImagesAreFoundInCocosLayout() throws Exception {
        Path ann = cocoSet();
        assertEquals(DatasetKind.COCO, Datasets.recognise(ann, true));
        CocoDataset ds = (CocoDataset) Datasets.open(ann);
        assertEquals(2, ds.size());
        assertEquals(List.of("car", "dog"), List.copyOf(ds.categories().values()));
        DetectionExample ex = ds.detection(0);
        assertEquals(List.of(new BoundingBox(5, 4, 17, 13, 3), new BoundingBox(20, 10, 28, 24, 18)), ex.boxes(), "crowd left out");
        assertTrue(ex.source().endsWith("train/a.png"), ex.source());
        assertEquals(0, ds.detection(1).boxes().size());
        assertEquals(-1, ds.get(0).label(), "as a plain dataset: unlabeled images");
        Path orphan = Files.writeString(dir.resolve("orphan.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"nowhere.png\"}], \"annotations\": []}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.open(orphan));
        assertTrue(e.getMessage().startsWith(orphan.toString()) && e.getMessage().contains("nowhere.png"), e.getMessage());
    }

    /** Every box of {@code ex} lies on white pixels, and the white pixels' extent is the union of the boxes. */
    static void assertBoxesOnObjects(String what, DetectionExample ex) {
        Image img = ex.image();
        for (BoundingBox b : ex.boxes()) {
            double sum = 0;
            int n = 0;
            for (int y = (int) Math.ceil(b.y0() + EDGE_TOLERANCE); y < b.y1() - EDGE_TOLERANCE; y++) {
                for (int x = (int) Math.ceil(b.x0() + EDGE_TOLERANCE); x < b.x1() - EDGE_TOLERANCE; x++) {
                    sum += img.get(0, y, x);
                    n++;
                }
            }
            if (n == 0) {                               // a sliver (cut by a crop): its middle pixel
                sum = img.get(0, (int) ((b.y0() + b.y1()) / 2), (int) ((b.x0() + b.x1()) / 2));
                n = 1;
            }
            assertTrue(sum / n > 0.99, what + ": box " + b + " is not on its object (mean " + sum / n + ")");
        }
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                if (img.get(0, y, x) < 0.5) {
                    continue;
                }
                int fy = y;
                int fx = x;
                boolean covered = ex.boxes().stream().anyMatch(b -> fx + 0.5 > b.x0() - EDGE_TOLERANCE && fx + 0.5 < b.x1() + EDGE_TOLERANCE
                        && fy + 0.5 > b.y0() - EDGE_TOLERANCE && fy + 0.5 < b.y1() + EDGE_TOLERANCE);
                assertTrue(covered, what + ": object pixel (" + y + ", " + x + ") outside every box " + ex.boxes());
            }
        }
    }

    @Test
    void flipResizeAndCropMoveTheBoxesWithThePixels() throws Exception {
        CocoDataset ds = (CocoDataset) Datasets.open(cocoSet());
        DetectionExample ex = ds.detection(0);
        assertBoxesOnObjects("original", ex);
        DetectionExample flipped = BoxTransforms.horizontalFlip(1).apply(ex, new SplittableRandom(0));
        assertEquals(new BoundingBox(23, 4, 35, 13, 3), flipped.boxes().get(0));
        assertBoxesOnObjects("flipped", flipped);
        DetectionExample bigger = BoxTransforms.resize(60, 80, Interpolation.BILINEAR).apply(ex, null);
        assertEquals(new BoundingBox(10, 8, 34, 26, 3), bigger.boxes().get(0));
        assertBoxesOnObjects("resized x2", bigger);
        // a window that cuts the second object in half and the first away entirely
        DetectionExample cut = BoxTransforms.crop(ex, 12, 18, 18, 22, 0.25);
        assertEquals(List.of(new BoundingBox(2, 0, 10, 12, 18)), cut.boxes());
        assertBoxesOnObjects("cropped", cut);
        assertEquals(List.of(), BoxTransforms.crop(ex, 12, 18, 18, 22, 0.9).boxes(), "less than 90 % visible: dropped");
        DetectionTransform random = BoxTransforms.randomCrop(0.5, 0).then(BoxTransforms.horizontalFlip(0.5));
        for (int seed = 0; seed < 30; seed++) {
            assertBoxesOnObjects("random crop and flip, seed " + seed, random.apply(ex, new SplittableRandom(seed)));
        }
    }

    @Test
    void unrecognisedSourcesAreErrorsNamingThePath() throws Exception {
        Path odd = Files.writeString(dir.resolve("notes.md"), "hello");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.open(odd));
        assertTrue(e.getMessage().startsWith(odd + ": not a dataset this tool recognises"), e.getMessage());
        Path none = dir.resolve("nothing-here");
        e = assertThrows(IllegalArgumentException.class, () -> Datasets.open(none));
        assertTrue(e.getMessage().startsWith(none + ": no such file"), e.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty-folder"));
        e = assertThrows(IllegalArgumentException.class, () -> Datasets.open(empty));
        assertTrue(e.getMessage().startsWith(empty + ": no image files"), e.getMessage());
        cocoSet();
        Dataset recursive = Datasets.open(dir, DatasetKind.IMAGES);
        assertEquals(2, recursive.size(), "every image below the folder");
        assertEquals(0, recursive.numClasses());
    }
}
