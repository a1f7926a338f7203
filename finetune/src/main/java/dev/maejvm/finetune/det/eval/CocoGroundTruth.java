package dev.maejvm.finetune.det.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ground truth an evaluation runs against: the images (by id; every one is evaluated, with or
 * without objects), the categories (id to name) and the annotations. Image, annotation and
 * category ids are unique, and every annotation names a listed image and category (pycocotools
 * would silently drop or overwrite the others; here they are errors).
 */
public final class CocoGroundTruth {
    private final List<Long> imageIds;
    private final List<Long> imagesInOrder;
    private final Set<Long> imageSet;
    private final Map<Integer, String> categories;
    private final List<CocoAnnotation> annotations;
    private final Map<Long, Map<Integer, List<CocoAnnotation>>> byImageAndCategory = new HashMap<>();

    /**
     * @param imageIds the images' ids, unique
     * @param categories category id to name
     * @param annotations the objects, in the file's order (the order ties keep)
     */
    public CocoGroundTruth(List<Long> imageIds, Map<Integer, String> categories, List<CocoAnnotation> annotations) {
        this.imageSet = new HashSet<>();
        for (long id : imageIds) {
            if (!imageSet.add(id)) {
                throw new IllegalArgumentException("image id " + id + " is listed twice");
            }
        }
        this.imagesInOrder = List.copyOf(imageIds);
        this.imageIds = List.copyOf(new TreeSet<>(imageIds));
        this.categories = Collections.unmodifiableMap(new TreeMap<>(categories));
        this.annotations = List.copyOf(annotations);
        Set<Long> annotationIds = new HashSet<>();
        for (CocoAnnotation a : this.annotations) {
            if (!annotationIds.add(a.id())) {
                throw new IllegalArgumentException("annotation id " + a.id() + " is used twice");
            }
            if (!imageSet.contains(a.imageId())) {
                throw new IllegalArgumentException("annotation " + a.id() + ": image_id " + a.imageId() + " is not among the images");
            }
            if (!this.categories.containsKey(a.categoryId())) {
                throw new IllegalArgumentException("annotation " + a.id() + ": category_id " + a.categoryId()
                        + " is not among the categories " + this.categories.keySet());
            }
            byImageAndCategory.computeIfAbsent(a.imageId(), k -> new HashMap<>())
                    .computeIfAbsent(a.categoryId(), k -> new ArrayList<>()).add(a);
        }
    }

    /** The image ids, ascending (cocoeval's {@code sorted(getImgIds())}, the order images are concatenated in). */
    public List<Long> imageIds() {
        return imageIds;
    }

    /**
     * The image ids in the order given (the file's): the i-th is the image of
     * {@link dev.maejvm.data.detection.CocoDataset}'s sample i when both read the same file, which
     * is how a prediction for a sample gets its {@code image_id}.
     */
    public List<Long> imageIdsInFileOrder() {
        return imagesInOrder;
    }

    /** Category id to name, ascending by id. */
    public Map<Integer, String> categories() {
        return categories;
    }

    /** All annotations in the file's order. */
    public List<CocoAnnotation> annotations() {
        return annotations;
    }

    /** The annotations of one image and category in the file's order; empty if none. */
    public List<CocoAnnotation> annotations(long imageId, int categoryId) {
        return byImageAndCategory.getOrDefault(imageId, Map.of()).getOrDefault(categoryId, List.of());
    }

    public boolean hasImage(long imageId) {
        return imageSet.contains(imageId);
    }

    public boolean hasCategory(int categoryId) {
        return categories.containsKey(categoryId);
    }

    /**
     * Fails, naming the detection by its place in the list, when it is for an image or category
     * this ground truth does not have.
     */
    public void requireKnown(Detection d, int index) {
        if (!hasImage(d.imageId())) {
            throw new IllegalArgumentException("detection " + index + ": image_id " + d.imageId() + " is not in the ground truth");
        }
        if (!hasCategory(d.categoryId())) {
            throw new IllegalArgumentException("detection " + index + ": category_id " + d.categoryId()
                    + " is not among the ground truth's categories " + categories.keySet());
        }
    }
}
