package dev.maejvm.finetune.det;

import dev.maejvm.data.detection.BoundingBox;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A detection set's category ids (as its annotations give them, e.g. COCO's 1..90 with gaps) and
 * the head's class indices [0, K): index i is the i-th id in increasing order, as detectron2 maps
 * COCO's ids to contiguous ones.
 *
 * @param ids the category ids in increasing order
 * @param names their names
 */
public record CategoryMap(List<Integer> ids, List<String> names) {
    public CategoryMap {
        ids = List.copyOf(ids);
        names = List.copyOf(names);
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("a detection set needs at least one category");
        }
    }

    /** @param categories id to name, as {@link dev.maejvm.data.detection.DetectionDataset#categories()} gives them */
    public static CategoryMap of(Map<Integer, String> categories) {
        List<Integer> ids = new ArrayList<>(new java.util.TreeSet<>(categories.keySet()));
        return new CategoryMap(ids, ids.stream().map(categories::get).toList());
    }

    public int size() {
        return ids.size();
    }

    /** The class index of a category id. */
    public int index(int id) {
        int i = java.util.Collections.binarySearch(ids, id);
        if (i < 0) {
            throw new IllegalArgumentException("category id " + id + " is not one of the set's " + ids);
        }
        return i;
    }

    public int id(int index) {
        return ids.get(index);
    }

    /** The boxes with their categories as class indices. */
    public List<BoundingBox> toIndices(List<BoundingBox> boxes) {
        return boxes.stream().map(b -> new BoundingBox(b.x0(), b.y0(), b.x1(), b.y1(), index(b.category()))).toList();
    }

    /** Whether another set's categories are these (a checkpoint's head must match the data it is given). */
    public boolean sameAs(CategoryMap other) {
        return ids.equals(other.ids);
    }
}
