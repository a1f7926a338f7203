package dev.maejvm.data.detection.scenes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * A detection benchmark of Fashion-MNIST items on a canvas (see {@link SceneConfig}), in COCO's
 * layout:
 *
 * <pre>
 * out/train/000000.png ...                 8-bit gray PNG, canvasSize x canvasSize
 * out/test/000000.png ...
 * out/annotations/instances_train.json     COCO: images (id, file_name, width, height), annotations
 * out/annotations/instances_test.json      (bbox [x, y, w, h] in pixels, area = w * h, iscrowd 0,
 *                                          source_index: the item's index in its Fashion-MNIST set),
 *                                          categories 1-10 = Fashion-MNIST labels 0-9 with their names
 * </pre>
 *
 * <p>Deterministic: scene i of a split draws from its own generator seeded by (seed, split, i), and
 * may use the items at positions [i * maxObjects, (i + 1) * maxObjects) of a fixed permutation of its
 * Fashion-MNIST set (seeded by (seed, split)), so no item appears twice while the set lasts. The
 * same config gives the same bytes. A split's JSON is written after all its PNGs, to a temporary
 * file then moved into place, so an interrupted run never leaves annotations naming missing images.
 */
public final class SceneGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SceneConfig config;
    private final Map<SceneSplit, Dataset> items = new EnumMap<>(SceneSplit.class);
    private final Map<SceneSplit, int[]> order = new EnumMap<>(SceneSplit.class);
    private final List<String> classNames;
    private final ScenePlanner planner;

    /** One scene: its plan and its pixels, 8-bit levels {@code [y * canvasSize + x]}. */
    public record Scene(ScenePlanner.Plan plan, int[] pixels) {}

    /**
     * @param trainItems labelled 28 x 28 gray items for the train split (Fashion-MNIST train)
     * @param testItems the same for the test split (Fashion-MNIST test)
     * @param classNames the name of each label (category id = label + 1)
     */
    public SceneGenerator(SceneConfig config, Dataset trainItems, Dataset testItems, List<String> classNames) {
        this.config = config;
        this.classNames = List.copyOf(classNames);
        this.planner = new ScenePlanner(config);
        items.put(SceneSplit.TRAIN, check(trainItems));
        items.put(SceneSplit.TEST, check(testItems));
        for (SceneSplit s : SceneSplit.values()) {
            int n = items.get(s).size();
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(mix(config.seed(), s.ordinal(), -1));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            order.put(s, perm);
        }
    }

    private Dataset check(Dataset ds) {
        if (ds.size() == 0 || ds.numClasses() == 0) {
            throw new IllegalArgumentException(ds.describe() + ": the items must be labelled and not empty");
        }
        if (ds.numClasses() > classNames.size()) {
            throw new IllegalArgumentException(ds.describe() + ": " + ds.numClasses() + " classes but " + classNames.size()
                    + " class names");
        }
        Image first = ds.get(0).image();
        if (first.channels() != 1 || first.height() != SceneConfig.ITEM_SIZE || first.width() != SceneConfig.ITEM_SIZE) {
            throw new IllegalArgumentException(ds.describe() + ": the items must be " + SceneConfig.ITEM_SIZE + "x"
                    + SceneConfig.ITEM_SIZE + " gray (Fashion-MNIST), got " + first.channels() + "x" + first.height() + "x" + first.width());
        }
        return ds;
    }

    public SceneConfig config() {
        return config;
    }

    public int scenes(SceneSplit split) {
        return split == SceneSplit.TRAIN ? config.trainScenes() : config.testScenes();
    }

    /** Where the items of scene {@code index} go (the same as {@link #scene}'s plan, without the pixels). */
    public ScenePlanner.Plan plan(SceneSplit split, int index) {
        return planner.plan(rng(split, index), items.get(split), candidates(split, index));
    }

    public Scene scene(SceneSplit split, int index) {
        SplittableRandom rng = rng(split, index);
        ScenePlanner.Plan plan = planner.plan(rng, items.get(split), candidates(split, index));
        return new Scene(plan, SceneRenderer.render(config.canvasSize(), config.noise(), plan.placements(), rng));
    }

    private SplittableRandom rng(SceneSplit split, int index) {
        return new SplittableRandom(mix(config.seed(), split.ordinal(), index));
    }

    private int[] candidates(SceneSplit split, int index) {
        int[] perm = order.get(split);
        int[] c = new int[config.maxObjects()];
        for (int k = 0; k < c.length; k++) {
            c[k] = perm[(int) (((long) index * c.length + k) % perm.length)];
        }
        return c;
    }

    /** The plans of a whole split, without drawing pixels, and what they hold. */
    public SceneSummary summarize(SceneSplit split) {
        List<ScenePlanner.Plan> plans = new ArrayList<>();
        for (int i = 0; i < scenes(split); i++) {
            plans.add(plan(split, i));
        }
        return SceneSummary.of(split, plans, classNames);
    }

    public static String fileName(int index) {
        return String.format("%06d.png", index);
    }

    /**
     * Writes both splits under {@code out} (see the class comment) and says what they hold. A
     * folder that is not empty is refused unless {@code force}; then the annotation files are
     * deleted first and the PNG files of train/ and test/ next (nothing else is touched).
     *
     * @param progress told a line now and then (may be null)
     */
    public List<SceneSummary> write(Path out, boolean force, Consumer<String> progress) throws IOException {
        prepare(out, force);
        List<SceneSummary> summaries = new ArrayList<>();
        for (SceneSplit split : SceneSplit.values()) {
            Path dir = Files.createDirectories(out.resolve(split.folder()));
            List<ScenePlanner.Plan> plans = new ArrayList<>();
            for (int i = 0; i < scenes(split); i++) {
                Scene s = scene(split, i);
                plans.add(s.plan());
                writePng(s.pixels(), config.canvasSize(), dir.resolve(fileName(i)));
                if (progress != null && (i + 1) % 500 == 0) {
                    progress.accept(split.folder() + ": " + (i + 1) + " / " + scenes(split) + " scenes");
                }
            }
            Path annotations = Files.createDirectories(out.resolve("annotations"));
            Path target = annotations.resolve(split.annotationsFile());
            Path tmp = annotations.resolve(split.annotationsFile() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), coco(split, plans));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            summaries.add(SceneSummary.of(split, plans, classNames));
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

    private ObjectNode coco(SceneSplit split, List<ScenePlanner.Plan> plans) {
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
            im.put("file_name", fileName(i));
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

    /** A well-mixed seed for (seed, split, index), as the loader's (SplitMix64's finaliser). */
    static long mix(long seed, long split, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + split * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
