package dev.maejvm.data.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Example;
import dev.maejvm.data.decode.ImageDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A COCO-format detection set: the annotations JSON ({@code images}, {@code annotations} with
 * {@code bbox: [x, y, w, h]} in pixels, {@code categories}) and the folder of its images. Every
 * image listed is a sample, with or without objects, in the file's order; crowd annotations
 * ({@code iscrowd: 1}) are left out, as detection training does.
 */
public final class CocoDataset implements DetectionDataset {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path annotations;
    private final Path imagesDir;
    private final ImageDecoder decoder;
    private final List<String> files = new ArrayList<>();
    private final List<List<BoundingBox>> boxes = new ArrayList<>();
    private final Map<Integer, String> categories = new TreeMap<>();

    /** @param imagesDir the folder that {@code file_name} is relative to; null to find it beside the JSON (see {@link #findImages}) */
    public CocoDataset(Path annotations, Path imagesDir, ImageDecoder decoder) {
        this.annotations = annotations;
        this.decoder = decoder;
        JsonNode root;
        try {
            root = JSON.readTree(annotations.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(annotations + ": not readable COCO JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.path("images").isArray() || !root.path("annotations").isArray()) {
            throw new IllegalArgumentException(annotations + ": not a COCO annotations file (needs 'images' and 'annotations' arrays)");
        }
        for (JsonNode c : root.path("categories")) {
            categories.put(c.path("id").asInt(), c.path("name").asText(String.valueOf(c.path("id").asInt())));
        }
        Map<Long, Integer> indexOfImage = new HashMap<>();
        for (JsonNode im : root.path("images")) {
            String name = im.path("file_name").asText(null);
            if (name == null || !im.has("id")) {
                throw new IllegalArgumentException(annotations + ": image entry without id or file_name: " + im);
            }
            indexOfImage.put(im.path("id").asLong(), files.size());
            files.add(name);
            boxes.add(new ArrayList<>());
        }
        for (JsonNode a : root.path("annotations")) {
            if (a.path("iscrowd").asInt(0) == 1) {
                continue;
            }
            Integer idx = indexOfImage.get(a.path("image_id").asLong());
            JsonNode b = a.path("bbox");
            if (idx == null || !b.isArray() || b.size() != 4) {
                throw new IllegalArgumentException(annotations + ": annotation " + a.path("id") + " has no known image_id or "
                        + "no [x, y, w, h] bbox");
            }
            double x = b.get(0).asDouble();
            double y = b.get(1).asDouble();
            boxes.get(idx).add(new BoundingBox(x, y, x + b.get(2).asDouble(), y + b.get(3).asDouble(), a.path("category_id").asInt()));
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(annotations + ": lists no images");
        }
        this.imagesDir = imagesDir != null ? imagesDir : findImages(annotations, files.get(0));
    }

    /**
     * The images folder for an annotations file: the first of its own folder, {@code images/}
     * beside it, its parent folder, and (COCO's layout, annotations/instances_train2017.json)
     * {@code ../train2017/} and {@code ../images/} that holds {@code firstFile}.
     */
    static Path findImages(Path annotations, String firstFile) {
        Path dir = annotations.toAbsolutePath().getParent();
        String stem = annotations.getFileName().toString().replaceFirst("\\.json$", "").replaceFirst("^instances_", "");
        List<Path> candidates = new ArrayList<>(List.of(dir, dir.resolve("images")));
        if (dir.getParent() != null) {
            candidates.addAll(List.of(dir.getParent(), dir.getParent().resolve(stem), dir.getParent().resolve("images")));
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve(firstFile))) {
                return c;
            }
        }
        throw new IllegalArgumentException(annotations + ": cannot find the folder of its images (looked for " + firstFile
                + " in " + candidates + "); give the images folder explicitly");
    }

    @Override
    public DetectionExample detection(int index) {
        Path f = imagesDir.resolve(files.get(index));
        return new DetectionExample(decoder.decode(f), boxes.get(index), f.toString());
    }

    @Override
    public Example get(int index) {
        Path f = imagesDir.resolve(files.get(index));
        return new Example(decoder.decode(f), -1, f.toString());
    }

    @Override
    public String source(int index) {
        return imagesDir.resolve(files.get(index)).toString();
    }

    /** The boxes of image {@code index} without decoding it. */
    public List<BoundingBox> boxes(int index) {
        return List.copyOf(boxes.get(index));
    }

    @Override
    public Map<Integer, String> categories() {
        return java.util.Collections.unmodifiableMap(categories);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int numClasses() {
        return 0;
    }

    @Override
    public List<String> classNames() {
        return List.of();
    }

    @Override
    public String describe() {
        int objects = boxes.stream().mapToInt(List::size).sum();
        return "COCO " + annotations + " (images in " + imagesDir + "): " + files.size() + " images, " + objects
                + " objects, " + categories.size() + " categories";
    }

    /** Whether a file looks like COCO annotations: a .json whose start mentions "images". */
    public static boolean looksLike(Path p) {
        if (!Files.isRegularFile(p) || !p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json")) {
            return false;
        }
        try (var in = Files.newInputStream(p)) {
            String head = new String(in.readNBytes(1 << 16), java.nio.charset.StandardCharsets.UTF_8);
            return head.contains("\"images\"") || head.contains("\"annotations\"");
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot read", e);
        }
    }
}
