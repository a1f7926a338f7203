package dev.maejvm.data.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.BoxTransforms;
import dev.maejvm.data.detection.DetectionDataset;
import dev.maejvm.data.detection.DetectionExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A detection set through the loader: every image with its own boxes, moved by its own random transform. */
class DetectionLoaderTest {
    /** n images 8 x 8, image i with one bright box at column i % 5 (width 2) and category i % 3. */
    private static DetectionDataset scenes(int n) {
        return new DetectionDataset() {
            @Override
            public DetectionExample detection(int index) {
                float[] px = new float[64];
                int x0 = index % 5;
                for (int y = 2; y < 5; y++) {
                    px[y * 8 + x0] = 1;
                    px[y * 8 + x0 + 1] = 1;
                }
                return new DetectionExample(new Image(1, 8, 8, px), List.of(new BoundingBox(x0, 2, x0 + 2, 5, index % 3)),
                        "scene#" + index);
            }

            @Override
            public Map<Integer, String> categories() {
                return Map.of(0, "a", 1, "b", 2, "c");
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public Example get(int index) {
                return new Example(detection(index).image(), -1, "scene#" + index);
            }

            @Override
            public int numClasses() {
                return 0;
            }

            @Override
            public List<String> classNames() {
                return List.of();
            }

            @Override
            public String describe() {
                return "scenes";
            }
        };
    }

    @Test
    void everyImageComesWithItsOwnBoxesMovedAsItsPixels() {
        List<String> sources = new ArrayList<>();
        try (DataLoader loader = DataLoader.builder(scenes(10)).batchSize(4).workers(2).seed(3)
                .detection(BoxTransforms.horizontalFlip(0.5)).build()) {
            int flipped = 0;
            for (var it = loader.epoch(0); it.hasNext(); ) {
                Batch b = it.next();
                assertEquals(b.images().size(0), b.boxes().size());
                for (int i = 0; i < b.boxes().size(); i++) {
                    sources.add(b.sources().get(i));
                    int index = Integer.parseInt(b.sources().get(i).substring("scene#".length()));
                    BoundingBox box = b.boxes().get(i).get(0);
                    assertEquals(index % 3, box.category());
                    boolean mirrored = box.x0() != index % 5;
                    flipped += mirrored ? 1 : 0;
                    for (int x = 0; x < 8; x++) {                  // the box still encloses exactly the bright columns
                        boolean bright = b.images().getFloat(i, 0, 3, x) > 0.5f;
                        assertEquals(x >= box.x0() && x < box.x1(), bright, b.sources().get(i) + " column " + x);
                    }
                }
            }
            assertEquals(10, sources.size());
            assertTrue(flipped > 0 && flipped < 10, "flips are drawn per image: " + flipped);
        }
    }

    @Test
    void aSetWithoutBoxesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(
                new dev.maejvm.data.Dataset() {
                    public int size() { return 1; }
                    public Example get(int i) { return null; }
                    public int numClasses() { return 0; }
                    public List<String> classNames() { return List.of(); }
                    public String describe() { return "plain"; }
                }).detection(BoxTransforms.horizontalFlip(0.5)));
        assertTrue(e.getMessage().contains("detection dataset"), e.getMessage());
    }
}
