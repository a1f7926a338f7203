package dev.maejvm.finetune.det.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * COCO's results file: a JSON array of {@code {"image_id", "category_id", "bbox": [x, y, w, h], "score"}},
 * the box in pixels. The list's order is kept (it is the order equal scores keep). Other fields
 * (segmentation, id, area) are not read: cocoeval's loadRes recomputes the id and area.
 */
public final class CocoResultsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoResultsJson() {
    }

    public static List<Detection> read(Path file) {
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

    /** @param root the parsed results: an array of detections */
    public static List<Detection> parse(JsonNode root) {
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("COCO results must be a JSON array of {image_id, category_id, bbox, score}");
        }
        List<Detection> out = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode r = root.get(i);
            String what = "result " + i;
            long image = CocoGroundTruthJson.integer(r, "image_id", what);
            int category = CocoGroundTruthJson.intId(r, "category_id", what);
            double[] b = Boxes.xywh(r.path("bbox"), what);
            if (!r.path("score").isNumber()) {
                throw new IllegalArgumentException(what + ": no numeric 'score'");
            }
            try {
                out.add(new Detection(image, category, b[0], b[1], b[2], b[3], r.path("score").asDouble()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The results as COCO's JSON array, in the list's order. */
    public static ArrayNode toJson(List<Detection> detections) {
        ArrayNode arr = JSON.createArrayNode();
        for (Detection d : detections) {
            ObjectNode o = arr.addObject();
            o.put("image_id", d.imageId());
            o.put("category_id", d.categoryId());
            o.putArray("bbox").add(d.x()).add(d.y()).add(d.w()).add(d.h());
            o.put("score", d.score());
        }
        return arr;
    }

    public static void write(Path file, List<Detection> detections) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            JSON.writeValue(file.toFile(), toJson(detections));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write results", e);
        }
    }
}
