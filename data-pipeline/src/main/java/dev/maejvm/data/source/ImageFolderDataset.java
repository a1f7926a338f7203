package dev.maejvm.data.source;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.decode.ImageDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Image files under a folder. Labelled (torchvision's ImageFolder): one subfolder per class,
 * classes in sorted order. Unlabeled: every image file below the folder, searched recursively,
 * in sorted path order (pretraining).
 */
public final class ImageFolderDataset implements Dataset {
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "pgm", "ppm", "pbm", "pnm", "webp");

    private final Path root;
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final List<String> classes = new ArrayList<>();
    private final ImageDecoder decoder;

    private ImageFolderDataset(Path root, ImageDecoder decoder) {
        this.root = root;
        this.decoder = decoder;
    }

    /** Every image below {@code root}, recursively, unlabeled. */
    public static ImageFolderDataset unlabeled(Path root, ImageDecoder decoder) {
        ImageFolderDataset d = new ImageFolderDataset(root, decoder);
        d.files.addAll(imagesUnder(root));
        d.files.forEach(f -> d.labels.add(-1));
        if (d.files.isEmpty()) {
            throw new IllegalArgumentException(root + ": no image files found (looked for " + EXTENSIONS + ", recursively)");
        }
        return d;
    }

    /** One subfolder per class. */
    public static ImageFolderDataset labelled(Path root, ImageDecoder decoder) {
        ImageFolderDataset d = new ImageFolderDataset(root, decoder);
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).sorted().forEach(dir -> {
                int label = d.classes.size();
                d.classes.add(dir.getFileName().toString());
                for (Path f : imagesUnder(dir)) {
                    d.files.add(f);
                    d.labels.add(label);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot list", e);
        }
        if (d.files.isEmpty()) {
            throw new IllegalArgumentException(root + ": no class subfolders with images");
        }
        return d;
    }

    static List<Path> imagesUnder(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list", e);
        }
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Example get(int index) {
        Path f = files.get(index);
        return new Example(decoder.decode(f), labels.get(index), f.toString());
    }

    @Override
    public String source(int index) {
        return files.get(index).toString();
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public List<String> classNames() {
        return List.copyOf(classes);
    }

    @Override
    public String describe() {
        return "image folder " + root + ": " + files.size() + " images"
                + (classes.isEmpty() ? ", unlabeled" : ", " + classes.size() + " classes");
    }
}
