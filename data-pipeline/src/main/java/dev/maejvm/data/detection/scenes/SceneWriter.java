package dev.maejvm.data.detection.scenes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * The scenes of a {@link SceneGenerator} as files, in COCO's layout:
 *
 * <pre>
 * out/train/000000.png ...                 8-bit gray PNG, canvasSize x canvasSize
 * out/test/000000.png ...
 * out/annotations/instances_train.json     COCO: images (id, file_name, width, height), annotations
 * out/annotations/instances_test.json      (bbox [x, y, w, h] in pixels, area = w * h, iscrowd 0,
 *                                          source_index: the item's index in its Fashion-MNIST set),
 *                                          categories 1-10 = Fashion-MNIST labels 0-9 with their names,
 *                                          info.config: the settings
 * </pre>
 *
 * <p>A split's JSON is written after all its PNGs, to a temporary file then moved into place, so
 * an interrupted run never leaves annotations naming missing images. The same scenes give the
 * same bytes (ImageIO's PNG writer and Jackson's output hold no dates).
 */
public final class SceneWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SceneWriter() {}

    /**
     * Writes both splits under {@code out} (see the class comment) and says what they hold. A
     * folder that is not empty is refused unless {@code force}; then the annotation files are
     * deleted first and the PNG files of train/ and test/ next (nothing else is touched).
     *
     * @param progress told a line now and then (may be null)
     */
    public static List<SceneSummary> write(SceneGenerator scenes, Path out, boolean force, Consumer<String> progress) throws IOException {
        SceneConfig config = scenes.config();
        prepare(out, force);
        List<SceneSummary> summaries = new ArrayList<>();
        for (SceneSplit split : SceneSplit.values()) {
            Path dir = Files.createDirectories(out.resolve(split.folder()));
            List<ScenePlanner.Plan> plans = new ArrayList<>();
            for (int i = 0; i < scenes.scenes(split); i++) {
                SceneGenerator.Scene s = scenes.scene(split, i);
                plans.add(s.plan());
                writePng(s.pixels(), config.canvasSize(), dir.resolve(SceneGenerator.fileName(i)));
                if (progress != null && (i + 1) % 500 == 0) {
                    progress.accept(split.folder() + ": " + (i + 1) + " / " + scenes.scenes(split) + " scenes");
                }
            }
            Path annotations = Files.createDirectories(out.resolve("annotations"));
            Path target = annotations.resolve(split.annotationsFile());
            Path tmp = annotations.resolve(split.annotationsFile() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), coco(config, scenes.classNames(), split, plans));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            summaries.add(SceneSummary.of(split, plans, scenes.classNames()));
        }
        return summaries;
    }

    private static void prepare(Path out, boolean force) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(out + ": is a file, not a folder");
        }
        if (!Files.isDirectory(out)) {
            Files.createDirectories(out);
            return;
        }
        List<String> present;
        try (var s = Files.list(out)) {
            present = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (present.isEmpty()) {
            return;
        }
        if (!force) {
            throw new IllegalArgumentException(out + ": is not empty (holds " + String.join(", ", present.subList(0,
                    Math.min(5, present.size()))) + (present.size() > 5 ? ", ..." : "") + "); choose another folder, or force "
                    + "to replace the scenes in it");
        }
        for (SceneSplit split : SceneSplit.values()) {             // annotations first: never a JSON without its images
            Files.deleteIfExists(out.resolve("annotations").resolve(split.annotationsFile()));
            Files.deleteIfExists(out.resolve("annotations").resolve(split.annotationsFile() + ".tmp"));
        }
        for (SceneSplit split : SceneSplit.values()) {
            Path dir = out.resolve(split.folder());
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> pngs = Files.newDirectoryStream(dir, "*.png")) {
                    for (Path p : pngs) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    private static void writePng(int[] levels, int size, Path file) {
        BufferedImage b = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        b.getRaster().setPixels(0, 0, size, size, levels);
        try {
            if (!ImageIO.write(b, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write", e);
        }
    }

    private static ObjectNode coco(SceneConfig config, List<String> classNames, SceneSplit split, List<ScenePlanner.Plan> plans) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode info = root.putObject("info");
        info.put("description", "Fashion-MNIST " + split.folder() + " items on a " + config.canvasSize() + "x"
                + config.canvasSize() + " canvas (mae detect make-scenes)");
        info.set("config", JSON.valueToTree(config));
        ArrayNode images = root.putArray("images");
        ArrayNode annotations = root.putArray("annotations");
        long annotationId = 1;
        for (int i = 0; i < plans.size(); i++) {
            ObjectNode im = images.addObject();
            im.put("id", i + 1);
            im.put("file_name", SceneGenerator.fileName(i));
            im.put("width", config.canvasSize());
            im.put("height", config.canvasSize());
            for (Placement p : plans.get(i).placements()) {
                int x = (int) p.box().x0();
                int y = (int) p.box().y0();
                int w = p.item().boxWidth();
                int h = p.item().boxHeight();
                ObjectNode a = annotations.addObject();
                a.put("id", annotationId++);
                a.put("image_id", i + 1);
                a.put("category_id", p.box().category());
                a.putArray("bbox").add(x).add(y).add(w).add(h);
                a.put("area", w * h);
                a.put("iscrowd", 0);
                a.put("source_index", p.item().source());
            }
        }
        ArrayNode categories = root.putArray("categories");
        for (int label = 0; label < classNames.size(); label++) {
            ObjectNode c = categories.addObject();
            c.put("id", label + 1);
            c.put("name", classNames.get(label));
            c.put("supercategory", "fashion");
        }
        return root;
    }

}
