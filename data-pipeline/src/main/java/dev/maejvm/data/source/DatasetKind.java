package dev.maejvm.data.source;

/** The kinds of source {@link Datasets#open(java.nio.file.Path, DatasetKind)} can open. */
public enum DatasetKind {
    /** MNIST-style IDX images file (gzipped or not), labels found beside it. */
    IDX,
    /** CIFAR-10/100 binary: a .bin file or the folder of training batches. */
    CIFAR,
    /** COCO-format annotations JSON; images found beside it. */
    COCO,
    /** A folder with one subfolder of images per class (labelled). */
    IMAGE_FOLDER,
    /** Every image below a folder, searched recursively (unlabeled). */
    IMAGES,
    /** A text file of "path [label]" lines. */
    LIST;

    public static DatasetKind parse(String s) {
        for (DatasetKind k : values()) {
            if (k.name().equalsIgnoreCase(s.replace('-', '_'))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown dataset kind '" + s + "' (one of idx, cifar, coco, image-folder, images, list)");
    }
}
