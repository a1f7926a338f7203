package dev.maejvm.experiments.cli.detect;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.source.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the detect commands find their data: a COCO annotations file (its images beside it), or
 * by default the generated Fashion-MNIST scenes in {@code runs/scenes} ({@code ./mae detect
 * make-scenes --out runs/scenes}).
 */
final class DetectData {
    static final Path DEFAULT_SCENES = Path.of("runs", "scenes");

    private DetectData() {}

    static Path trainJson(Path given) {
        return given != null ? given : scenes("instances_train.json");
    }

    static Path valJson(Path given, Path train) {
        if (given != null) {
            return given;
        }
        return train.equals(scenes("instances_train.json")) ? scenes("instances_test.json") : null;
    }

    private static Path scenes(String file) {
        return DEFAULT_SCENES.resolve("annotations").resolve(file);
    }

    /** The COCO set of an annotations file; the option names it in the error. */
    static CocoDataset open(Path json, String option) {
        if (!Files.isRegularFile(json)) {
            String hint = json.startsWith(DEFAULT_SCENES) ? " (make the default scenes with: ./mae detect make-scenes --out "
                    + DEFAULT_SCENES + ")" : "";
            throw new IllegalArgumentException(option + " " + json + ": no such annotations file" + hint);
        }
        Dataset ds = Datasets.open(json);
        if (!(ds instanceof CocoDataset coco)) {
            throw new IllegalArgumentException(option + " " + json + " is not a COCO annotations file (" + ds.describe() + ")");
        }
        return coco;
    }
}
