package dev.maejvm.experiments.cli.data;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.source.DatasetKind;
import dev.maejvm.data.source.Datasets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The dataset a `mae data` command reads: where, what kind, how much, and what to do with bad images. */
public final class DataSourceOptions {
    @Option(names = "--source", required = true,
            description = "An IDX images file, CIFAR binary data, a COCO annotations JSON, a list file or an image folder.")
    Path source;

    @Option(names = "--kind", description = "The source's kind when it is not recognised: idx, cifar, coco, image-folder, images, list.")
    String kind;

    @Option(names = "--limit", defaultValue = "0", description = "Only the first N images (0: all). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--on-bad-image", defaultValue = "fail", description = "fail or skip (skipped files are listed at the end). Default: ${DEFAULT-VALUE}.")
    String onBadImage;

    Dataset open() {
        return kind == null ? Datasets.open(source) : Datasets.open(source, DatasetKind.parse(kind));
    }

    OnBadImage policy() {
        return OnBadImage.parse(onBadImage);
    }

    /** How many of the dataset's images to go through. */
    int count(Dataset ds) {
        return limit > 0 ? Math.min(limit, ds.size()) : ds.size();
    }
}
