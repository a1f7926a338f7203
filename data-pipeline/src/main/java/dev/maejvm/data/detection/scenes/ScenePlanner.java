package dev.maejvm.data.detection.scenes;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Where the items of one scene go: how many (uniform in [minObjects, maxObjects]), their scales
 * (log-uniform in [minScale, maxScale], placed largest first so that the big ones find room), and
 * their positions (the box's top-left uniform over the places where the box fits the canvas,
 * retried up to {@code placementTries} times until it overlaps every placed box by at most
 * {@code maxOverlap}; an item that finds no place is left out and counted).
 */
public final class ScenePlanner {
    private final SceneConfig config;

    public ScenePlanner(SceneConfig config) {
        this.config = config;
    }

    /** The placed items of one scene and how many found no place. */
    public record Plan(List<Placement> placements, int leftOut) {
        public Plan {
            placements = List.copyOf(placements);
        }
    }

    /**
     * Plans one scene, drawing everything from {@code rng}.
     *
     * @param items labelled 28 x 28 gray items (a Fashion-MNIST set)
     * @param candidates the indices in {@code items} of the items the scene may use, in order
     *     (at least maxObjects of them)
     */
    public Plan plan(RandomGenerator rng, Dataset items, int[] candidates) {
        if (candidates.length < config.maxObjects()) {
            throw new IllegalArgumentException("a scene needs maxObjects = " + config.maxObjects() + " candidate items, got "
                    + candidates.length);
        }
        int count = config.minObjects() + rng.nextInt(config.maxObjects() - config.minObjects() + 1);
        double lo = Math.log(config.minScale());
        double hi = Math.log(config.maxScale());
        double[] scales = new double[count];
        for (int k = 0; k < count; k++) {
            scales[k] = Math.exp(lo + rng.nextDouble() * (hi - lo));
        }
        Arrays.sort(scales);                                          // ascending: the k-th item gets scales[count - 1 - k]
        List<Placement> placed = new ArrayList<>();
        int leftOut = 0;
        int c = config.canvasSize();
        for (int k = 0; k < count; k++) {
            Example e = items.get(candidates[k]);
            ScaledItem item = ScaledItem.of(e.image(), scales[count - 1 - k], config.noise(), e.label(), candidates[k]);
            if (item == null) {
                leftOut++;
                continue;
            }
            Placement found = null;
            for (int t = 0; t < config.placementTries() && found == null; t++) {
                Placement p = Placement.at(item, rng.nextInt(c - item.boxWidth() + 1), rng.nextInt(c - item.boxHeight() + 1));
                if (placed.stream().allMatch(q -> p.overlap(q) <= config.maxOverlap())) {
                    found = p;
                }
            }
            if (found == null) {
                leftOut++;
            } else {
                placed.add(found);
            }
        }
        return new Plan(placed, leftOut);
    }
}
