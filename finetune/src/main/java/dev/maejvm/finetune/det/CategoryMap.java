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
        if (names.size() != ids.size()) {
            throw new IllegalArgumentException(ids.size() + " category ids but " + names.size() + " names");
        }
        for (int i = 1; i < ids.size(); i++) {
            if (ids.get(i) <= ids.get(i - 1)) {
                throw new IllegalArgumentException("category ids must be increasing and distinct, got " + ids);
            }
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

    /**
     * Refuses a set whose categories are not the ones a checkpoint's head was trained on (by id,
     * or by count when the checkpoint did not record them).
     *
     * @param what the option or file the set came from, for the message
     */
    public void requireMatches(java.util.Optional<CategoryMap> trained, int numClasses, String what) {
        if (trained.isPresent() ? !sameAs(trained.get()) : size() != numClasses) {
            throw new IllegalArgumentException(what + " has the categories " + ids + ", but the checkpoint's head was trained on "
                    + trained.map(t -> t.ids().toString()).orElse(numClasses + " classes"));
        }
    }
}
