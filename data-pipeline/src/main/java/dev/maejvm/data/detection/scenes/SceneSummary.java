package dev.maejvm.data.detection.scenes;

import dev.maejvm.data.detection.SizeRange;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one split holds: scenes, objects by COCO size range and by category, and the items that
 * found no place (see {@link ScenePlanner}).
 */
public record SceneSummary(SceneSplit split, int scenes, int objects, Map<SizeRange, Integer> bySize,
                           Map<String, Integer> byCategory, int leftOut) {
    public SceneSummary {
        bySize = Map.copyOf(bySize);
        byCategory = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byCategory));
    }

    /** Counts the placed objects of a split's plans. */
    public static SceneSummary of(SceneSplit split, List<ScenePlanner.Plan> plans, List<String> classNames) {
        Map<SizeRange, Integer> bySize = new EnumMap<>(SizeRange.class);
        for (SizeRange r : SizeRange.values()) {
            bySize.put(r, 0);
        }
        Map<Integer, Integer> byLabel = new TreeMap<>();
        int objects = 0;
        int leftOut = 0;
        for (ScenePlanner.Plan plan : plans) {
            leftOut += plan.leftOut();
            for (Placement p : plan.placements()) {
                bySize.merge(SizeRange.of(p.box()), 1, Integer::sum);
                byLabel.merge(p.item().category(), 1, Integer::sum);
                objects++;
            }
        }
        Map<String, Integer> byCategory = new java.util.LinkedHashMap<>();
        byLabel.forEach((label, n) -> byCategory.put(classNames.get(label), n));
        return new SceneSummary(split, plans.size(), objects, bySize, byCategory, leftOut);
    }

    /** Objects of a size range over all objects, in [0, 1]. */
    public double share(SizeRange r) {
        return objects == 0 ? 0 : (double) bySize.get(r) / objects;
    }

    /** Two lines: counts and the size distribution; then objects per category. */
    public String describe() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-5s: %d scenes, %d objects (%.2f per scene; %d items found no place)%n",
                split.folder(), scenes, objects, scenes == 0 ? 0.0 : (double) objects / scenes, leftOut));
        s.append("       by size (COCO, box area w*h):");
        for (SizeRange r : SizeRange.values()) {
            s.append(String.format(Locale.ROOT, " %s %d (%.1f %%)", r.cocoName(), bySize.get(r), 100 * share(r)));
        }
        s.append(String.format("%n       by category:"));
        byCategory.forEach((name, n) -> s.append(' ').append(name).append(' ').append(n).append(','));
        if (!byCategory.isEmpty()) {
            s.setLength(s.length() - 1);
        }
        return s.toString();
    }
}
