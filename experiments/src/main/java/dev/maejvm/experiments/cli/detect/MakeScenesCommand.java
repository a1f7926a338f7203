package dev.maejvm.experiments.cli.detect;

import dev.maejvm.data.detection.scenes.SceneConfig;
import dev.maejvm.data.detection.scenes.SceneGenerator;
import dev.maejvm.data.detection.scenes.SceneSummary;
import dev.maejvm.data.detection.scenes.SceneWriter;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.data.source.IdxDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/**
 * {@code mae detect make-scenes}: a detection benchmark of real Fashion-MNIST items placed on a
 * gray canvas, in COCO's layout (see {@link SceneWriter}); prints what each split holds.
 */
@Command(name = "make-scenes", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make a detection benchmark from Fashion-MNIST: items at random scales and places on a gray canvas, "
            + "train scenes from the train items and test scenes from the test items, as COCO JSON and PNG files:",
            "  OUT/train/*.png, OUT/test/*.png, OUT/annotations/instances_{train,test}.json",
            "Deterministic for a seed. Prints the objects per split, size range (COCO small/medium/large) and category."})
public final class MakeScenesCommand implements Callable<Integer> {
    /** SceneConfig's field names and the options that set them, so that a validation error names the option. */
    private static final Map<String, String> OPTIONS = Map.ofEntries(Map.entry("canvasSize", "--canvas"),
            Map.entry("trainScenes", "--train-scenes"), Map.entry("testScenes", "--test-scenes"),
            Map.entry("minObjects", "--min-objects"), Map.entry("maxObjects", "--max-objects"),
            Map.entry("minScale", "--min-scale"), Map.entry("maxScale", "--max-scale"), Map.entry("maxOverlap", "--max-overlap"),
            Map.entry("noise", "--noise"), Map.entry("placementTries", "--placement-tries"));

    @Option(names = "--out", required = true, description = "The folder to write into (refused when not empty, unless --force).")
    Path out;

    @Option(names = "--canvas", defaultValue = "" + SceneConfig.DEFAULT_CANVAS, showDefaultValue = Visibility.ALWAYS,
            description = "The scenes' side in pixels (square, gray).")
    int canvas;

    @Option(names = "--train-scenes", defaultValue = "" + SceneConfig.DEFAULT_TRAIN_SCENES, showDefaultValue = Visibility.ALWAYS,
            description = "Scenes of the train split (items from Fashion-MNIST train).")
    int trainScenes;

    @Option(names = "--test-scenes", defaultValue = "" + SceneConfig.DEFAULT_TEST_SCENES, showDefaultValue = Visibility.ALWAYS,
            description = "Scenes of the test split (items from Fashion-MNIST test).")
    int testScenes;

    @Option(names = "--min-objects", defaultValue = "" + SceneConfig.DEFAULT_MIN_OBJECTS, showDefaultValue = Visibility.ALWAYS,
            description = "Fewest items a scene tries to hold.")
    int minObjects;

    @Option(names = "--max-objects", defaultValue = "" + SceneConfig.DEFAULT_MAX_OBJECTS, showDefaultValue = Visibility.ALWAYS,
            description = "Most items a scene tries to hold (uniform in [min, max]; an item that finds no place is left out).")
    int maxObjects;

    @Option(names = "--min-scale", defaultValue = "" + SceneConfig.DEFAULT_MIN_SCALE, showDefaultValue = Visibility.ALWAYS,
            description = "Smallest scale of a 28 x 28 item (log-uniform in [min, max]).")
    double minScale;

    @Option(names = "--max-scale", defaultValue = "" + SceneConfig.DEFAULT_MAX_SCALE, showDefaultValue = Visibility.ALWAYS,
            description = "Largest scale; 28 * scale must fit the canvas.")
    double maxScale;

    @Option(names = "--max-overlap", defaultValue = "" + SceneConfig.DEFAULT_MAX_OVERLAP, showDefaultValue = Visibility.ALWAYS,
            description = "Most a box may overlap another, as intersection over the smaller box's area (IoU is at most this too).")
    double maxOverlap;

    @Option(names = "--noise", defaultValue = "" + SceneConfig.DEFAULT_NOISE, showDefaultValue = Visibility.ALWAYS,
            description = "Background: 8-bit levels uniform in [0, noise] (0: plain black). Boxes enclose the item pixels above it.")
    int noise;

    @Option(names = "--placement-tries", defaultValue = "" + SceneConfig.DEFAULT_PLACEMENT_TRIES, showDefaultValue = Visibility.ALWAYS,
            description = "Random places tried per item before it is left out.")
    int placementTries;

    @Option(names = "--seed", defaultValue = "0", showDefaultValue = Visibility.ALWAYS, description = "The same seed gives the same files.")
    long seed;

    @Option(names = "--fashion-mnist", description = "The folder of the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz and their labels). Default: " + "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).")
    Path fashionMnist;

    @Option(names = "--force", description = "Write into a folder that is not empty: its scenes (annotations, then train/ and "
            + "test/ PNG files) are replaced, nothing else is touched.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        SceneConfig config;
        try {
            config = new SceneConfig(canvas, trainScenes, testScenes, minObjects, maxObjects, minScale, maxScale, maxOverlap, noise,
                    placementTries, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(optionsIn(e.getMessage()), e);
        }
        Path trainItems = fashionMnist == null ? FashionMnist.trainImages() : items(fashionMnist.resolve("train-images-idx3-ubyte.gz"));
        Path testItems = fashionMnist == null ? FashionMnist.testImages() : items(fashionMnist.resolve("t10k-images-idx3-ubyte.gz"));
        SceneGenerator generator = new SceneGenerator(config, new IdxDataset(trainItems), new IdxDataset(testItems),
                FashionMnist.CLASS_NAMES);
        long start = System.nanoTime();
        List<SceneSummary> summaries;
        try {
            summaries = SceneWriter.write(generator, out, force, line -> System.err.println("make-scenes: " + line));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--out " + e.getMessage().replace("or force to", "or give --force to"), e);
        }
        System.out.printf("wrote %s in %.1f s (canvas %d x %d, seed %d)%n", out, (System.nanoTime() - start) / 1e9, canvas, canvas, seed);
        for (SceneSummary s : summaries) {
            System.out.println(s.describe());
        }
        System.out.println("annotations: " + out.resolve("annotations").resolve("instances_train.json") + ", "
                + out.resolve("annotations").resolve("instances_test.json"));
        return 0;
    }

    /** A config error names its fields; the user knows the options. */
    static String optionsIn(String message) {
        for (Map.Entry<String, String> f : OPTIONS.entrySet()) {
            message = message.replaceAll("\\b" + f.getKey() + "\\b", f.getValue());
        }
        return message;
    }

    private static Path items(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--fashion-mnist: " + p + ": no such file (the folder must hold Fashion-MNIST's "
                    + "IDX files, train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz with their labels)");
        }
        return p;
    }
}
