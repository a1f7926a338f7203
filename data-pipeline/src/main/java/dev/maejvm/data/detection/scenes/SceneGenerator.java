package dev.maejvm.data.detection.scenes;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The scenes of a detection benchmark of Fashion-MNIST items on a canvas (see {@link SceneConfig}):
 * scene i of a split, its plan and pixels; {@link SceneWriter} writes them as COCO files.
 *
 * <p>Deterministic: scene i of a split draws from its own generator seeded by (seed, split, i), and
 * may use the items at positions [i * maxObjects, (i + 1) * maxObjects) of a fixed permutation of its
 * Fashion-MNIST set (seeded by (seed, split)), so no item appears twice while the set lasts. The
 * same config gives the same scenes.
 */
public final class SceneGenerator {
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

    /** The PNG file of scene {@code index}, in its split's folder: 000000.png, 000001.png, ... */
    public static String fileName(int index) {
        return String.format("%06d.png", index);
    }

    /** The name of each label (category id = label + 1). */
    public List<String> classNames() {
        return classNames;
    }

    /** A well-mixed seed for (seed, split, index), as the loader's (SplitMix64's finaliser). */
    static long mix(long seed, long split, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + split * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
