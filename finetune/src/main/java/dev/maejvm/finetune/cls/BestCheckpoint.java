package dev.maejvm.finetune.cls;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Keeps the weights of the best validation score seen so far (top-1 for a classifier, AP for a
 * detector): {@code checkpoint-best.safetensors} and {@code best.json} ({@code {"epoch": E,
 * "val_top1": A}}, the key the metric's name), so a resumed run knows what it has to beat. Both are
 * written atomically (temporary file, then rename).
 */
public final class BestCheckpoint {
    public static final String FILE_NAME = "best.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the weights to the given file. */
    @FunctionalInterface
    public interface Writer {
        void write(Path file) throws IOException;
    }

    private final Path out;
    private final String metric;
    private double best;
    private int bestEpoch;

    /** Reads best.json in {@code out} when a previous sitting of the run left one; the metric is val_top1. */
    public BestCheckpoint(Path out) {
        this(out, "val_top1");
    }

    /** @param metric the score's name in best.json (higher is better) */
    public BestCheckpoint(Path out, String metric) {
        this.out = out;
        this.metric = metric;
        this.best = Double.NEGATIVE_INFINITY;
        this.bestEpoch = -1;
        Path f = out.resolve(FILE_NAME);
        if (Files.isRegularFile(f)) {
            try {
                Map<?, ?> m = JSON.readValue(f.toFile(), Map.class);
                best = ((Number) m.get(metric)).doubleValue();
                bestEpoch = ((Number) m.get("epoch")).intValue();
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(f + " is not a best-checkpoint record ({\"epoch\": E, \"" + metric + "\": A}): "
                        + e.getMessage(), e);
            }
        }
    }

    /** @return whether this result is the new best (then its weights were written) */
    public boolean offer(int epoch, double top1, Writer weights) {
        if (!(top1 > best)) {
            return false;
        }
        try {
            weights.write(out.resolve(ClassifierCheckpoint.BEST));
            Path tmp = out.resolve(FILE_NAME + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(Map.of("epoch", epoch, metric, top1)));
            Files.move(tmp, out.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the best checkpoint in " + out, e);
        }
        best = top1;
        bestEpoch = epoch;
        return true;
    }

    public double best() {
        return best;
    }

    public int bestEpoch() {
        return bestEpoch;
    }
}
