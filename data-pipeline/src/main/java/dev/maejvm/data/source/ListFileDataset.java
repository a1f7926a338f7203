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
import java.util.stream.IntStream;

/**
 * A text file listing images, one per line: a path (relative to the list's folder, or absolute),
 * optionally followed by whitespace and an integer class label. Blank lines and lines starting
 * with '#' are skipped. Either every line has a label or none has.
 */
public final class ListFileDataset implements Dataset {
    private final Path listFile;
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final ImageDecoder decoder;
    private final int numClasses;

    public ListFileDataset(Path listFile, ImageDecoder decoder) {
        this.listFile = listFile;
        this.decoder = decoder;
        List<String> lines;
        try {
            lines = Files.readAllLines(listFile);
        } catch (IOException e) {
            throw new UncheckedIOException(listFile + ": cannot read", e);
        }
        Path base = listFile.toAbsolutePath().getParent();
        Boolean labelled = null;
        int max = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length > 2) {
                throw new IllegalArgumentException(listFile + ":" + (i + 1) + ": expected 'path [label]', got '" + line + "'");
            }
            boolean hasLabel = parts.length == 2;
            if (labelled != null && labelled != hasLabel) {
                throw new IllegalArgumentException(listFile + ":" + (i + 1) + ": either every line has a label or none has");
            }
            labelled = hasLabel;
            int label = -1;
            if (hasLabel) {
                try {
                    label = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(listFile + ":" + (i + 1) + ": label '" + parts[1] + "' is not an integer");
                }
                if (label < 0) {
                    throw new IllegalArgumentException(listFile + ":" + (i + 1) + ": label must be >= 0, got " + label);
                }
                max = Math.max(max, label);
            }
            files.add(base.resolve(parts[0]));
            labels.add(label);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(listFile + ": lists no images");
        }
        numClasses = max + 1;
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
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        return IntStream.range(0, numClasses).mapToObj(String::valueOf).toList();
    }

    @Override
    public String describe() {
        return "list file " + listFile + ": " + files.size() + " images" + (numClasses > 0 ? ", " + numClasses + " classes" : ", unlabeled");
    }
}
