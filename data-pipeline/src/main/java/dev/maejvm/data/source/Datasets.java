package dev.maejvm.data.source;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.decode.ImageDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Opens a user's data argument as a dataset, recognising what it is. */
public final class Datasets {
    private Datasets() {}

    /**
     * An IDX images file (.gz or not); CIFAR-10/100 binary (a .bin file, or a folder of
     * data_batch_N.bin / train.bin); a list file (.txt, .lst, .list: "path [label]" per line); a folder whose subfolders hold images (labelled, one class
     * each) when {@code labelled}, else any folder of images searched recursively (unlabeled).
     */
    public static Dataset open(Path path, boolean labelled) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file or folder");
        }
        if (CifarDataset.looksLike(path)) {
            return new CifarDataset(path);
        }
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (name.contains("idx3") || name.contains("-images-")) {
                return new IdxDataset(path);
            }
            if (name.endsWith(".txt") || name.endsWith(".lst") || name.endsWith(".list")) {
                return new ListFileDataset(path, new ImageDecoder());
            }
            throw new IllegalArgumentException(path + ": not a dataset this tool recognises (expected an IDX images file "
                    + "such as train-images-idx3-ubyte.gz, CIFAR .bin data, a list file (.txt: 'path [label]' per line), "
                    + "or a folder of images)");
        }
        if (labelled && hasClassFolders(path)) {
            return ImageFolderDataset.labelled(path, new ImageDecoder());
        }
        return ImageFolderDataset.unlabeled(path, new ImageDecoder());
    }

    private static boolean hasClassFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list", e);
        }
    }
}
