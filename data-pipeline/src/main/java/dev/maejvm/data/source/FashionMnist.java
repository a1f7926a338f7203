package dev.maejvm.data.source;

import java.nio.file.Files;
import java.nio.file.Path;

/** Fashion-MNIST as Debian's dataset-fashion-mnist package installs it. */
public final class FashionMnist {
    public static final Path ROOT = Path.of("/usr/share/datasets/fashion-mnist");
    /** Per-channel statistics of the 60,000 training images (pixels in [0, 1]), measured by `mae data stats`. */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    /** The class names by label 0-9, as the dataset's authors give them. */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {}

    public static Path trainImages() {
        return require(ROOT.resolve("train-images-idx3-ubyte.gz"));
    }

    public static Path testImages() {
        return require(ROOT.resolve("t10k-images-idx3-ubyte.gz"));
    }

    private static Path require(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + p + ": install Debian's dataset-fashion-mnist "
                    + "package (apt-get install dataset-fashion-mnist), or give --data");
        }
        return p;
    }
}
