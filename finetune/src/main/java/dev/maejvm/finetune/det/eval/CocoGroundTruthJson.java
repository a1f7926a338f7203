package dev.maejvm.finetune.det.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a COCO annotations file into a {@link CocoGroundTruth}: {@code images} (their {@code id}),
 * {@code categories} ({@code id}, {@code name}) and {@code annotations} ({@code id},
 * {@code image_id}, {@code category_id}, {@code bbox: [x, y, w, h]} in pixels, {@code area} in
 * square pixels, {@code iscrowd} 0 or 1, 0 when absent). Segmentations and other fields are not
 * read. Errors name the file and the entry.
 */
public final class CocoGroundTruthJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoGroundTruthJson() {
    }

    public static CocoGroundTruth read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** @param root the parsed annotations file */
    public static CocoGroundTruth parse(JsonNode root) {
        if (root == null || !root.path("images").isArray() || !root.path("annotations").isArray()
                || !root.path("categories").isArray()) {
            throw new IllegalArgumentException("not a COCO annotations file (needs 'images', 'annotations' and 'categories' arrays)");
        }
        List<Long> images = new ArrayList<>();
        for (JsonNode im : root.path("images")) {
            images.add(integer(im, "id", "image " + im));
        }
        Map<Integer, String> categories = new LinkedHashMap<>();
        for (JsonNode c : root.path("categories")) {
            int id = intId(c, "id", "category " + c);
            if (categories.put(id, c.path("name").asText(String.valueOf(id))) != null) {
                throw new IllegalArgumentException("category id " + id + " is listed twice");
            }
        }
        List<CocoAnnotation> annotations = new ArrayList<>();
        for (JsonNode a : root.path("annotations")) {
            String what = "annotation " + a.path("id");
            long id = integer(a, "id", what);
            long image = integer(a, "image_id", what);
            int category = intId(a, "category_id", what);
            double[] box = Boxes.xywh(a.path("bbox"), what);
            if (!a.path("area").isNumber()) {
                throw new IllegalArgumentException(what + ": no numeric 'area' (the area ranges use it)");
            }
            JsonNode crowd = a.path("iscrowd");
            if (!crowd.isMissingNode() && !(crowd.isIntegralNumber() && (crowd.asInt() == 0 || crowd.asInt() == 1))
                    && !crowd.isBoolean()) {
                throw new IllegalArgumentException(what + ": iscrowd must be 0 or 1, got " + crowd);
            }
            annotations.add(new CocoAnnotation(id, image, category, box[0], box[1], box[2], box[3], a.path("area").asDouble(),
                    crowd.asInt(0) == 1 || crowd.asBoolean(false)));
        }
        return new CocoGroundTruth(images, categories, annotations);
    }

    /** A category id: an integer that fits an int. */
    static int intId(JsonNode node, String field, String what) {
        long v = integer(node, field, what);
        if (v != (int) v) {
            throw new IllegalArgumentException(what + ": '" + field + "' " + v + " is out of the int range");
        }
        return (int) v;
    }

    static long integer(JsonNode node, String field, String what) {
        JsonNode v = node.path(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(what + ": '" + field + "' must be an integer, got " + (v.isMissingNode() ? "nothing" : v));
        }
        return v.asLong();
    }
}
