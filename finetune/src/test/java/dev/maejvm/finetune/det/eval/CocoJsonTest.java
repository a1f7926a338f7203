package dev.maejvm.finetune.det.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.CocoDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading ground truth and results files, writing results, and the bad input each names. */
class CocoJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static final String GT = "{'images': [{'id': 7, 'file_name': 'a.jpg'}, {'id': 3, 'file_name': 'b.jpg'}],"
            + " 'categories': [{'id': 2, 'name': 'dog'}, {'id': 1, 'name': 'cat'}],"
            + " 'annotations': [{'id': 5, 'image_id': 7, 'category_id': 2, 'bbox': [1.5, 2, 10, 20], 'area': 150.25, 'iscrowd': 0},"
            + " {'id': 6, 'image_id': 7, 'category_id': 2, 'bbox': [0, 0, 50, 50], 'area': 2000, 'iscrowd': 1},"
            + " {'id': 9, 'image_id': 3, 'category_id': 1, 'bbox': [0, 0, 5, 5], 'area': 25}]}";

    private static IllegalArgumentException badGt(String s) {
        return assertThrows(IllegalArgumentException.class, () -> CocoGroundTruthJson.parse(json(s)));
    }

    @Test
    void readsGroundTruth() throws Exception {
        CocoGroundTruth gt = CocoGroundTruthJson.parse(json(GT));
        assertEquals(List.of(3L, 7L), gt.imageIds());
        assertEquals(List.of(7L, 3L), gt.imageIdsInFileOrder()); // CocoDataset's sample order
        assertEquals(List.of(1, 2), List.copyOf(gt.categories().keySet()));
        assertEquals("dog", gt.categories().get(2));
        List<CocoAnnotation> dogs = gt.annotations(7, 2);
        assertEquals(List.of(new CocoAnnotation(5, 7, 2, 1.5, 2, 10, 20, 150.25, false),
                new CocoAnnotation(6, 7, 2, 0, 0, 50, 50, 2000, true)), dogs);
        assertFalse(gt.annotations(3, 1).get(0).iscrowd()); // iscrowd absent: 0
        assertTrue(gt.annotations(3, 2).isEmpty());
    }

    @Test
    void fileOrderImageIdsAreCocoDatasetsSamples(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("instances.json");
        Files.writeString(f, GT.replace('\'', '"'));
        Files.write(dir.resolve("a.jpg"), new byte[0]);                 // the set checks that its images are on disk
        Files.write(dir.resolve("b.jpg"), new byte[0]);                 // (it does not decode them here)
        CocoDataset ds = new CocoDataset(f, dir, null);
        CocoGroundTruth gt = CocoGroundTruthJson.read(f);
        assertEquals(ds.size(), gt.imageIdsInFileOrder().size());
        assertEquals(dir.resolve("a.jpg").toString(), ds.source(0)); // image 7
        for (int i = 0; i < ds.size(); i++) {
            long id = gt.imageIdsInFileOrder().get(i);
            long regular = gt.annotations().stream().filter(a -> a.imageId() == id && !a.iscrowd()).count();
            assertEquals(regular, ds.boxes(i).size());
        }
    }

    @Test
    void badGroundTruthIsNamed() {
        assertTrue(badGt("{'images': []}").getMessage().contains("'categories'"));
        assertTrue(badGt(GT.replace("'area': 150.25, ", "")).getMessage().contains("annotation 5: no numeric 'area'"));
        assertTrue(badGt(GT.replace("'id': 6,", "'id': 5,")).getMessage().contains("annotation id 5 is used twice"));
        assertTrue(badGt(GT.replace("'image_id': 3,", "'image_id': 4,")).getMessage().contains("image_id 4 is not among the images"));
        assertTrue(badGt(GT.replace("'category_id': 1,", "'category_id': 8,")).getMessage().contains("category_id 8"));
        assertTrue(badGt(GT.replace("[1.5, 2, 10, 20]", "[1.5, 2, -10, 20]")).getMessage().contains("w, h >= 0"));
        assertTrue(badGt(GT.replace("[1.5, 2, 10, 20]", "[1.5, 2, 10]")).getMessage().contains("[x, y, w, h]"));
        assertTrue(badGt(GT.replace("'iscrowd': 0", "'iscrowd': 2")).getMessage().contains("iscrowd must be 0 or 1"));
        assertTrue(badGt(GT.replace("{'id': 3,", "{'id': 7,")).getMessage().contains("image id 7 is listed twice"));
    }

    @Test
    void resultsRoundTripThroughTheFile(@TempDir Path dir) {
        List<Detection> d = List.of(new Detection(7, 2, 1.25, 2.5, 10.125, 0.1 + 0.2, 0.987654321),
                Detection.of(3, new BoundingBox(1, 2, 11, 22, 1), 0.5));
        Path f = dir.resolve("out/results.json");
        CocoResultsJson.write(f, d);
        assertEquals(d, CocoResultsJson.read(f));
        assertEquals(new Detection(3, 1, 1, 2, 10, 20, 0.5), d.get(1)); // xyxy (1, 2)-(11, 22) is xywh [1, 2, 10, 20]
    }

    @Test
    void badResultsAreNamed(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoResultsJson.parse(json("[{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 1, 1], 'score': 1},"
                        + " {'image_id': 1, 'category_id': 1, 'bbox': [0, 0, -1, 1], 'score': 1}]")));
        assertTrue(e.getMessage().startsWith("result 1: "), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CocoResultsJson.parse(json("{'a': 1}"))).getMessage()
                .contains("JSON array"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CocoResultsJson.parse(json("[{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 1, 1]}]"))).getMessage()
                .contains("result 0: no numeric 'score'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CocoResultsJson.parse(json("[{'image_id': 1.5, 'category_id': 1, 'bbox': [0, 0, 1, 1], 'score': 1}]")))
                .getMessage().contains("'image_id' must be an integer"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CocoResultsJson.parse(json("[{'image_id': 1, 'category_id': 4294967296, 'bbox': [0, 0, 1, 1], 'score': 1}]")))
                .getMessage().contains("out of the int range"));
        assertThrows(IllegalArgumentException.class, () -> new Detection(1, 1, 0, 0, Double.NaN, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Detection(1, 1, 0, 0, 1, 1, Double.NaN));
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "[{");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CocoResultsJson.read(broken)).getMessage()
                .startsWith(broken.toString()));
    }

    @Test
    void detectionsForUnknownImagesOrCategoriesAreErrors() throws Exception {
        CocoGroundTruth gt = CocoGroundTruthJson.parse(json(GT));
        Detection ok = new Detection(7, 2, 0, 0, 1, 1, 0.5);
        IllegalArgumentException image = assertThrows(IllegalArgumentException.class,
                () -> CocoEvaluator.evaluate(gt, List.of(ok, new Detection(99, 2, 0, 0, 1, 1, 0.5))));
        assertEquals("detection 1: image_id 99 is not in the ground truth", image.getMessage());
        IllegalArgumentException category = assertThrows(IllegalArgumentException.class,
                () -> CocoEvaluator.evaluate(gt, List.of(new Detection(7, 4, 0, 0, 1, 1, 0.5))));
        assertTrue(category.getMessage().startsWith("detection 0: category_id 4 is not among"), category.getMessage());
    }
}
