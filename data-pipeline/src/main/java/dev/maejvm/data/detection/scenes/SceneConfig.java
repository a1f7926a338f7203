package dev.maejvm.data.detection.scenes;

/**
 * The settings of a synthetic detection benchmark made of Fashion-MNIST items placed on a gray
 * canvas, validated on construction; each failure's message starts with its field's name.
 *
 * @param canvasSize the scenes' side, pixels (square, 1 channel)
 * @param trainScenes scenes of the train split (items from Fashion-MNIST's train set)
 * @param testScenes scenes of the test split (items from Fashion-MNIST's test set)
 * @param minObjects fewest items a scene tries to hold
 * @param maxObjects most items a scene tries to hold (the count is uniform in [min, max]; an item
 *     that finds no place within {@code placementTries} is left out, so a crowded scene may hold fewer)
 * @param minScale smallest scale of a 28 x 28 item (its side becomes round(28 * scale) pixels)
 * @param maxScale largest scale; scales are log-uniform in [minScale, maxScale];
 *     28 * maxScale must fit the canvas
 * @param maxOverlap most a new item's box may overlap any placed one, as the intersection over
 *     the smaller box's area (so IoU is at most this too, and no item hides under another)
 * @param noise the background: each pixel's 8-bit level uniform in [0, noise]; 0 is plain black
 * @param placementTries random positions tried per item before it is left out
 * @param seed everything follows from it: the same seed gives the same files, byte for byte
 */
public record SceneConfig(int canvasSize, int trainScenes, int testScenes, int minObjects, int maxObjects,
                          double minScale, double maxScale, double maxOverlap, int noise, int placementTries, long seed) {
    /** Fashion-MNIST's side, pixels. */
    public static final int ITEM_SIZE = 28;

    public static final int DEFAULT_CANVAS = 128;
    public static final int DEFAULT_TRAIN_SCENES = 4000;
    public static final int DEFAULT_TEST_SCENES = 500;
    public static final int DEFAULT_MIN_OBJECTS = 1;
    public static final int DEFAULT_MAX_OBJECTS = 5;
    public static final double DEFAULT_MIN_SCALE = 0.75;
    public static final double DEFAULT_MAX_SCALE = 4.5;
    public static final double DEFAULT_MAX_OVERLAP = 0.2;
    public static final int DEFAULT_NOISE = 12;
    public static final int DEFAULT_PLACEMENT_TRIES = 50;

    public SceneConfig {
        if (canvasSize < ITEM_SIZE || canvasSize > 4096) {
            throw new IllegalArgumentException("canvasSize must be in [" + ITEM_SIZE + ", 4096] pixels, got " + canvasSize);
        }
        if (trainScenes < 0) {
            throw new IllegalArgumentException("trainScenes must be >= 0, got " + trainScenes);
        }
        if (testScenes < 0) {
            throw new IllegalArgumentException("testScenes must be >= 0, got " + testScenes);
        }
        if (trainScenes + testScenes == 0) {
            throw new IllegalArgumentException("trainScenes and testScenes are both 0: nothing to make");
        }
        if (minObjects < 1) {
            throw new IllegalArgumentException("minObjects must be >= 1, got " + minObjects);
        }
        if (maxObjects < minObjects || maxObjects > 100) {
            throw new IllegalArgumentException("maxObjects must be in [minObjects = " + minObjects + ", 100], got " + maxObjects);
        }
        if (!(minScale > 0) || Math.round(ITEM_SIZE * minScale) < 2) {
            throw new IllegalArgumentException("minScale must make items at least 2 pixels wide (>= " + 1.5 / ITEM_SIZE
                    + "), got " + minScale);
        }
        if (!(maxScale >= minScale) || Double.isInfinite(maxScale)) {
            throw new IllegalArgumentException("maxScale must be >= minScale = " + minScale + ", got " + maxScale);
        }
        if (Math.round(ITEM_SIZE * maxScale) > canvasSize) {
            throw new IllegalArgumentException("maxScale " + maxScale + " makes items of " + Math.round(ITEM_SIZE * maxScale)
                    + " pixels, more than the canvas (canvasSize " + canvasSize + "): at most " + (double) canvasSize / ITEM_SIZE);
        }
        if (!(maxOverlap >= 0 && maxOverlap <= 1)) {
            throw new IllegalArgumentException("maxOverlap must be in [0, 1], got " + maxOverlap);
        }
        if (noise < 0 || noise > 255) {
            throw new IllegalArgumentException("noise must be an 8-bit level in [0, 255], got " + noise);
        }
        if (placementTries < 1) {
            throw new IllegalArgumentException("placementTries must be >= 1, got " + placementTries);
        }
    }

    /** 128 px canvas, 4000 train and 500 test scenes, 1-5 items at scales 0.75-4.5, overlap 0.2, noise 12, seed 0. */
    public static SceneConfig defaults() {
        return new SceneConfig(DEFAULT_CANVAS, DEFAULT_TRAIN_SCENES, DEFAULT_TEST_SCENES, DEFAULT_MIN_OBJECTS, DEFAULT_MAX_OBJECTS,
                DEFAULT_MIN_SCALE, DEFAULT_MAX_SCALE, DEFAULT_MAX_OVERLAP, DEFAULT_NOISE, DEFAULT_PLACEMENT_TRIES, 0);
    }

    public SceneConfig withScenes(int train, int test) {
        return new SceneConfig(canvasSize, train, test, minObjects, maxObjects, minScale, maxScale, maxOverlap, noise,
                placementTries, seed);
    }

    public SceneConfig withSeed(long s) {
        return new SceneConfig(canvasSize, trainScenes, testScenes, minObjects, maxObjects, minScale, maxScale, maxOverlap, noise,
                placementTries, s);
    }
}
