package dev.maejvm.data.source;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.decode.DecodeOptions;
import dev.maejvm.data.decode.ImageDecoder;
import dev.maejvm.data.detection.CocoDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/** Opens a user's data argument as a dataset: recognised from what it is, or of a kind given explicitly. */
public final class Datasets {
    private Datasets() {}

    /**
     * Recognises: an IDX images file (.gz or not; magic 2051); CIFAR-10/100 binary (a .bin file, or
     * a folder of data_batch_N.bin / train.bin); COCO annotations (.json with "images"); a list
     * file (.txt, .lst, .list); a folder with class subfolders (labelled); any other folder of
     * images (recursive, unlabeled).
     */
    public static Dataset open(Path path) {
        return open(path, recognise(path, true), DecodeOptions.defaults());
    }

    /** As {@link #open(Path)}, but a folder is opened unlabeled (recursively) unless {@code labelled}. */
    public static Dataset open(Path path, boolean labelled) {
        return open(path, recognise(path, labelled), DecodeOptions.defaults());
    }

    public static Dataset open(Path path, DatasetKind kind) {
        return open(path, kind, DecodeOptions.defaults());
    }

    public static Dataset open(Path path, DatasetKind kind, DecodeOptions decode) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file or folder");
        }
        ImageDecoder decoder = new ImageDecoder(decode);
        return switch (kind) {
            case IDX -> new IdxDataset(path);
            case CIFAR -> new CifarDataset(path);
            case COCO -> new CocoDataset(path, null, decoder);
            case LIST -> new ListFileDataset(path, decoder);
            case IMAGE_FOLDER -> ImageFolderDataset.labelled(path, decoder);
            case IMAGES -> ImageFolderDataset.unlabeled(path, decoder);
        };
    }

    /** The kind of source at {@code path}, or an error naming it when it is none this tool reads. */
    public static DatasetKind recognise(Path path, boolean labelledFolders) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file or folder");
        }
        if (Files.isDirectory(path)) {
            if (CifarDataset.looksLike(path)) {
                return DatasetKind.CIFAR;
            }
            return labelledFolders && hasClassFolders(path) ? DatasetKind.IMAGE_FOLDER : DatasetKind.IMAGES;
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (isIdxImages(path)) {
            return DatasetKind.IDX;
        }
        if (name.endsWith(".bin")) {
            return DatasetKind.CIFAR;
        }
        if (CocoDataset.looksLike(path)) {
            return DatasetKind.COCO;
        }
        if (name.endsWith(".txt") || name.endsWith(".lst") || name.endsWith(".list")) {
            return DatasetKind.LIST;
        }
        throw new IllegalArgumentException(path + ": not a dataset this tool recognises (expected an IDX images file such as "
                + "train-images-idx3-ubyte.gz, CIFAR .bin data, COCO annotations .json, a list file (.txt: 'path [label]' "
                + "per line), or a folder of images); name the kind explicitly if it is one of these");
    }

    /** An IDX images file: magic 0x00000803 at the start, after gunzipping when gzipped. */
    static boolean isIdxImages(Path p) {
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(p))) {
            in.mark(2);
            int b1 = in.read();
            int b2 = in.read();
            in.reset();
            var data = b1 == 0x1f && b2 == 0x8b ? new java.util.zip.GZIPInputStream(in) : in;
            byte[] magic = data.readNBytes(4);
            return magic.length == 4 && magic[0] == 0 && magic[1] == 0 && magic[2] == 8 && magic[3] == 3;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasClassFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list", e);
        }
    }
}
