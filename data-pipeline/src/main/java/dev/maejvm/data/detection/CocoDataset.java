package dev.maejvm.data.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
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
 *
 * <p>Checked when opened, each a {@link BadAnnotationsException} that names the file and every
 * bad entry (its annotation or image id and the image's file name), so nothing is dropped
 * silently: an empty image list; image entries without an id (integer or string) or file_name, listed twice,
 * or with a width or height that is not positive; annotations whose image_id is not listed, whose
 * bbox is not four finite numbers, has zero or negative size, or lies more than
 * {@link #OUTSIDE_TOLERANCE} pixels outside its image (when the image's width and height are
 * given), or whose category_id is not among the categories; categories listed twice; and listed
 * images missing from the images folder. When reading an image, one whose size differs from the
 * width and height the file gives is a {@link BadImageException}.
 */
public final class CocoDataset implements DetectionDataset {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How far (pixels) a box may reach outside its image before it is an error; within it, the box is clipped. */
    public static final double OUTSIDE_TOLERANCE = 1.0;

    private final Path annotations;
    private final Path imagesDir;
    private final ImageDecoder decoder;
    private final List<String> files = new ArrayList<>();
    private final List<List<BoundingBox>> boxes = new ArrayList<>();
    /** Each image's [width, height] as the file gives it; 0 where it does not. */
    private final List<int[]> sizes = new ArrayList<>();
    private final Map<Integer, String> categories = new TreeMap<>();

    /**
     * Reads and checks the annotations; every problem is a {@link BadAnnotationsException} naming
     * the file and each bad entry (see the class comment).
     *
     * @param imagesDir the folder that {@code file_name} is relative to; null to find it beside the JSON (see {@link #findImages})
     */
    public CocoDataset(Path annotations, Path imagesDir, ImageDecoder decoder) {
        this.annotations = annotations;
        this.decoder = decoder;
        JsonNode root;
        try {
            root = JSON.readTree(annotations.toFile());
        } catch (IOException e) {
            throw new BadAnnotationsException(annotations, "not readable COCO JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.path("images").isArray() || !root.path("annotations").isArray()) {
            throw new BadAnnotationsException(annotations, "not a COCO annotations file (needs 'images' and 'annotations' arrays)");
        }
        if (root.path("images").isEmpty()) {
            throw new BadAnnotationsException(annotations, "lists no images");
        }
        List<String> problems = new ArrayList<>();
        for (JsonNode c : root.path("categories")) {
            if (!c.path("id").canConvertToInt() || !c.path("id").isIntegralNumber()) {
                problems.add("category entry without an integer id: " + c);
            } else if (categories.put(c.path("id").asInt(), c.path("name").asText(String.valueOf(c.path("id").asInt()))) != null) {
                problems.add("category id " + c.path("id").asInt() + " is listed twice");
            }
        }
        Map<String, Integer> indexOfImage = new HashMap<>();       // by the id's text: integer ids as COCO, string ids as some converters
        for (JsonNode im : root.path("images")) {
            String name = im.path("file_name").isTextual() && !im.path("file_name").asText().isEmpty() ? im.path("file_name").asText() : null;
            if (name == null || !validId(im.path("id"))) {
                problems.add("image entry without an id (an integer or a string) or a file_name: " + im);
                continue;
            }
            int w = im.has("width") ? im.path("width").asInt(-1) : 0;
            int h = im.has("height") ? im.path("height").asInt(-1) : 0;
            if (w < 0 || h < 0 || (im.has("width") && w == 0) || (im.has("height") && h == 0)) {
                problems.add("image " + im.path("id").asText() + " (" + name + "): width and height must be positive, got "
                        + im.path("width") + " x " + im.path("height"));
            }
            Integer before = indexOfImage.put(im.path("id").asText(), files.size());
            if (before != null) {
                problems.add("image id " + im.path("id").asText() + " is listed twice (" + files.get(before) + " and " + name + ")");
            }
            files.add(name);
            sizes.add(new int[] {Math.max(w, 0), Math.max(h, 0)});
            boxes.add(new ArrayList<>());
        }
        int index = 0;
        for (JsonNode a : root.path("annotations")) {
            String id = a.has("id") ? "annotation " + a.path("id").asText() : "annotation #" + index + " (no id)";
            index++;
            if (a.path("iscrowd").asInt(0) == 1) {
                continue;
            }
            Integer idx = validId(a.path("image_id")) ? indexOfImage.get(a.path("image_id").asText()) : null;
            if (idx == null) {
                problems.add(id + ": image_id " + a.path("image_id") + " is not among the images");
                continue;
            }
            String where = id + " (image " + a.path("image_id").asText() + ", " + files.get(idx) + ")";
            BoundingBox box = box(a, where, sizes.get(idx), problems);
            if (box != null) {
                boxes.get(idx).add(box);
            }
        }
        if (!problems.isEmpty()) {
            throw new BadAnnotationsException(annotations, problems);
        }
        this.imagesDir = imagesDir != null ? imagesDir : findImages(annotations, files.get(0));
        List<String> missing = new ArrayList<>();
        for (String f : files) {
            if (!Files.isRegularFile(this.imagesDir.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new BadAnnotationsException(annotations, missing.size() + " of its " + files.size() + " images are missing from "
                    + this.imagesDir + ": " + String.join(", ", missing.subList(0, Math.min(BadAnnotationsException.LISTED, missing.size())))
                    + (missing.size() > BadAnnotationsException.LISTED ? ", ..." : ""));
        }
    }

    /** An image id: an integer, or a non-empty string. */
    private static boolean validId(JsonNode id) {
        return id.isIntegralNumber() || (id.isTextual() && !id.asText().isEmpty());
    }

    /**
     * An annotation's bbox [x, y, w, h] as pixel xyxy, or null with the problem noted: not four
     * finite numbers, zero or negative width or height, more than {@link #OUTSIDE_TOLERANCE}
     * pixels outside its image (when the image's size is given; within that, clipped to the image),
     * or a category_id that is not among the categories.
     */
    private BoundingBox box(JsonNode a, String where, int[] size, List<String> problems) {
        JsonNode b = a.path("bbox");
        if (!b.isArray() || b.size() != 4 || !b.get(0).isNumber() || !b.get(1).isNumber() || !b.get(2).isNumber() || !b.get(3).isNumber()) {
            problems.add(where + ": bbox must be [x, y, w, h] (four numbers), got " + (b.isMissingNode() ? "none" : b));
            return null;
        }
        double x = b.get(0).asDouble();
        double y = b.get(1).asDouble();
        double w = b.get(2).asDouble();
        double h = b.get(3).asDouble();
        if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(w) || !Double.isFinite(h)) {
            problems.add(where + ": bbox " + b + " is not finite");
            return null;
        }
        if (!(w > 0) || !(h > 0)) {
            problems.add(where + ": bbox " + b + " has zero or negative size");
            return null;
        }
        double x0 = x;
        double y0 = y;
        double x1 = x + w;
        double y1 = y + h;
        int imageW = size[0];
        int imageH = size[1];
        if (imageW > 0 && imageH > 0) {
            boolean outside = x0 < -OUTSIDE_TOLERANCE || y0 < -OUTSIDE_TOLERANCE || x1 > imageW + OUTSIDE_TOLERANCE
                    || y1 > imageH + OUTSIDE_TOLERANCE;
            x0 = Math.max(0, x0);
            y0 = Math.max(0, y0);
            x1 = Math.min(imageW, x1);
            y1 = Math.min(imageH, y1);
            if (outside || x1 <= x0 || y1 <= y0) {
                problems.add(where + ": bbox " + b + " lies outside the " + imageW + "x" + imageH + " image");
                return null;
            }
        }
        if (!a.path("category_id").isIntegralNumber() || !categories.containsKey(a.path("category_id").asInt())) {
            problems.add(where + ": category_id " + (a.has("category_id") ? a.path("category_id") : "none") + " is not among the "
                    + (categories.isEmpty() ? "categories (the file lists none)" : "categories " + categories.keySet()));
            return null;
        }
        return new BoundingBox(x0, y0, x1, y1, a.path("category_id").asInt());
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
        throw new BadAnnotationsException(annotations, "cannot find the folder of its images (looked for " + firstFile
                + " in " + candidates + "); give the images folder explicitly");
    }

    @Override
    public DetectionExample detection(int index) {
        Path f = imagesDir.resolve(files.get(index));
        Image img = decoder.decode(f);
        int[] size = sizes.get(index);
        if ((size[0] > 0 && size[0] != img.width()) || (size[1] > 0 && size[1] != img.height())) {
            throw new BadImageException(f.toString(), "is " + img.width() + "x" + img.height() + " but " + annotations
                    + " gives " + size[0] + "x" + size[1] + " (width x height)", null);
        }
        return new DetectionExample(img, boxes.get(index), f.toString());
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

    /** Image {@code index}'s [width, height] as the annotations give them (0 where they do not), without decoding it. */
    public int[] imageSize(int index) {
        return sizes.get(index).clone();
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
