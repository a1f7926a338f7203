package dev.maejvm.data.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.decode.ImageDecoder;
import dev.maejvm.data.source.Datasets;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad COCO input is refused when the set is opened, with a message that starts with the file and
 * names each bad entry by its annotation or image id and file name; every problem is reported,
 * none dropped silently.
 */
class CocoBadInputTest {
    @TempDir
    Path dir;

    @BeforeEach
    void images() throws IOException {
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("a.png").toFile());
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("b.png").toFile());
    }

    /** An annotations file with images a.png (id 7, 40x30) and b.png (id 9, 16x16), categories 3 and 18, and these annotations. */
    Path annotations(String... annotations) throws IOException {
        return Files.writeString(dir.resolve("instances.json"), """
                {"images": [{"id": 7, "file_name": "a.png", "width": 40, "height": 30},
                            {"id": 9, "file_name": "b.png", "width": 16, "height": 16}],
                 "annotations": [%s],
                 "categories": [{"id": 3, "name": "car"}, {"id": 18, "name": "dog"}]}
                """.formatted(String.join(",\n", annotations)));
    }

    static String annotation(int id, int image, int category, String bbox) {
        return "{\"id\": " + id + ", \"image_id\": " + image + ", \"category_id\": " + category + ", \"bbox\": " + bbox
                + ", \"iscrowd\": 0}";
    }

    BadAnnotationsException refused(Path file) {
        BadAnnotationsException e = assertThrows(BadAnnotationsException.class, () -> Datasets.open(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    @Test
    void aGoodFileKeepsEveryBoxAndClipsThoseWithinAPixelOfTheEdge() throws IOException {
        CocoDataset ds = (CocoDataset) Datasets.open(annotations(annotation(1, 7, 3, "[5, 4, 12, 9]"),
                annotation(2, 7, 18, "[30.5, 20, 10, 10.5]"), annotation(3, 9, 3, "[-0.5, 0, 4, 4]")));
        assertEquals(List.of(new BoundingBox(5, 4, 17, 13, 3), new BoundingBox(30.5, 20, 40, 30, 18)), ds.boxes(0));
        assertEquals(List.of(new BoundingBox(0, 0, 3.5, 4, 3)), ds.boxes(1));
    }

    @Test
    void aBoxOutsideItsImageIsNamed() throws IOException {
        BadAnnotationsException e = refused(annotations(annotation(1, 7, 3, "[5, 4, 12, 9]"), annotation(12, 7, 3, "[30, 20, 20, 5]")));
        assertEquals("annotation 12 (image 7, a.png): bbox [30,20,20,5] lies outside the 40x30 image", e.problems().get(0));
        e = refused(annotations(annotation(4, 9, 3, "[-3, 2, 5, 5]")));
        assertTrue(e.getMessage().endsWith("annotation 4 (image 9, b.png): bbox [-3,2,5,5] lies outside the 16x16 image"), e.getMessage());
        e = refused(annotations(annotation(5, 9, 3, "[16.5, 2, 0.4, 5]")));
        assertTrue(e.getMessage().contains("annotation 5 (image 9, b.png)") && e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void aBoxOfZeroOrNegativeSizeOrNotFourNumbersIsNamed() throws IOException {
        BadAnnotationsException e = refused(annotations(annotation(13, 7, 3, "[5, 4, 0, 9]")));
        assertEquals(List.of("annotation 13 (image 7, a.png): bbox [5,4,0,9] has zero or negative size"), e.problems());
        e = refused(annotations(annotation(14, 7, 3, "[5, 4, 3, -1]")));
        assertTrue(e.getMessage().endsWith("annotation 14 (image 7, a.png): bbox [5,4,3,-1] has zero or negative size"), e.getMessage());
        e = refused(annotations(annotation(15, 7, 3, "[5, 4, \"3\", 2]")));
        assertTrue(e.getMessage().contains("annotation 15 (image 7, a.png): bbox must be [x, y, w, h] (four numbers)"), e.getMessage());
        e = refused(annotations(annotation(16, 7, 3, "[5, 4, 3]")));
        assertTrue(e.getMessage().contains("annotation 16 (image 7, a.png): bbox must be"), e.getMessage());
    }

    @Test
    void anUnknownCategoryOrImageIsNamed() throws IOException {
        BadAnnotationsException e = refused(annotations(annotation(21, 7, 99, "[5, 4, 12, 9]")));
        assertEquals(List.of("annotation 21 (image 7, a.png): category_id 99 is not among the categories [3, 18]"), e.problems());
        e = refused(annotations(annotation(22, 8, 3, "[5, 4, 12, 9]")));
        assertEquals(List.of("annotation 22: image_id 8 is not among the images"), e.problems());
        Path noCategories = Files.writeString(dir.resolve("nocat.json"), """
                {"images": [{"id": 7, "file_name": "a.png"}], "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 1, 2, 2]}]}
                """);
        e = refused(noCategories);
        assertTrue(e.getMessage().endsWith("category_id 1 is not among the categories (the file lists none)"), e.getMessage());
    }

    @Test
    void everyProblemIsReportedNotOnlyTheFirst() throws IOException {
        String[] bad = new String[14];
        for (int i = 0; i < bad.length; i++) {
            bad[i] = annotation(100 + i, 7, 42, "[1, 1, 2, 2]");
        }
        BadAnnotationsException e = refused(annotations(bad));
        assertEquals(14, e.problems().size());
        assertTrue(e.getMessage().startsWith(dir.resolve("instances.json") + ": 14 problems:"), e.getMessage());
        assertTrue(e.getMessage().contains("annotation 109 (image 7, a.png): category_id 42"), e.getMessage());
        assertTrue(e.getMessage().endsWith("... and 4 more"), e.getMessage());
    }

    @Test
    void imagesMissingFromDiskAreNamedAndAnEmptyListIsRefused() throws IOException {
        Path missing = Files.writeString(dir.resolve("missing.json"), """
                {"images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "gone.png"}, {"id": 3, "file_name": "sub/lost.png"}],
                 "annotations": [], "categories": []}
                """);
        BadAnnotationsException e = refused(missing);
        assertEquals(List.of("2 of its 3 images are missing from " + dir.toAbsolutePath() + ": gone.png, sub/lost.png"), e.problems());
        Path empty = Files.writeString(dir.resolve("empty.json"), "{\"images\": [], \"annotations\": [], \"categories\": []}");
        assertEquals(List.of("lists no images"), refused(empty).problems());
        Path notCoco = Files.writeString(dir.resolve("other.json"), "{\"images\": {}}");
        assertTrue(refused(notCoco).getMessage().contains("not a COCO annotations file"));
    }

    @Test
    void duplicateOrMalformedImageEntriesAreNamed() throws IOException {
        Path twice = Files.writeString(dir.resolve("twice.json"), """
                {"images": [{"id": 7, "file_name": "a.png"}, {"id": 7, "file_name": "b.png"}, {"file_name": "c.png"},
                            {"id": 8, "file_name": "b.png", "width": 0, "height": 16}],
                 "annotations": [], "categories": [{"id": 1, "name": "x"}, {"id": 1, "name": "y"}]}
                """);
        BadAnnotationsException e = refused(twice);
        assertEquals(List.of("category id 1 is listed twice", "image id 7 is listed twice (a.png and b.png)",
                "image entry without an id (an integer or a string) or a file_name: {\"file_name\":\"c.png\"}",
                "image 8 (b.png): width and height must be positive, got 0 x 16"), e.problems());
    }

    @Test
    void stringImageIdsAsSomeConvertersWriteThemWork() throws IOException {
        Path strings = Files.writeString(dir.resolve("strings.json"), """
                {"images": [{"id": "img-a", "file_name": "a.png"}, {"id": "img-b", "file_name": "b.png"}],
                 "annotations": [{"id": 1, "image_id": "img-b", "category_id": 3, "bbox": [1, 1, 2, 2]}],
                 "categories": [{"id": 3, "name": "car"}]}
                """);
        CocoDataset ds = (CocoDataset) Datasets.open(strings);
        assertEquals(List.of(), ds.boxes(0));
        assertEquals(List.of(new BoundingBox(1, 1, 3, 3, 3)), ds.boxes(1));
    }

    @Test
    void anImageWhoseSizeDisagreesWithTheFileIsABadImageNamed() throws IOException {
        Path wrong = Files.writeString(dir.resolve("wrong.json"), """
                {"images": [{"id": 1, "file_name": "b.png", "width": 20, "height": 16}], "annotations": [], "categories": []}
                """);
        CocoDataset ds = new CocoDataset(wrong, null, new ImageDecoder());
        BadImageException e = assertThrows(BadImageException.class, () -> ds.detection(0));
        assertTrue(e.getMessage().startsWith(dir.resolve("b.png") + ": is 16x16 but " + wrong + " gives 20x16"), e.getMessage());
    }
}
