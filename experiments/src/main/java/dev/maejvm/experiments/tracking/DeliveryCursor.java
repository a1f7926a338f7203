package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * How far a run journal has reached a tracking server: the server, the MLflow experiment and run
 * the journal goes to, its artifact URI, and {@code deliveredSeq}, the journal record up to which
 * (inclusive) everything is on the server. Kept beside the journal ({@code run.jsonl.mlflow.json})
 * and replaced atomically (a temporary file renamed over it) after every accepted batch.
 */
public record DeliveryCursor(String trackingUri, String experimentId, String mlflowRunId, String artifactUri,
                             long deliveredSeq) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public DeliveryCursor {
        Objects.requireNonNull(trackingUri, "trackingUri");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(mlflowRunId, "mlflowRunId");
        Objects.requireNonNull(artifactUri, "artifactUri");
        if (deliveredSeq < 0) {
            throw new IllegalArgumentException("deliveredSeq must be >= 0, got " + deliveredSeq);
        }
    }

    public static Path fileFor(Path journal) {
        return journal.resolveSibling(journal.getFileName() + ".mlflow.json");
    }

    /** The saved cursor, or null if the journal was never delivered. */
    public static DeliveryCursor load(Path journal) throws IOException {
        Path f = fileFor(journal);
        return Files.exists(f) ? JSON.readValue(f.toFile(), DeliveryCursor.class) : null;
    }

    void save(Path journal) throws IOException {
        Path f = fileFor(journal);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    DeliveryCursor at(long seq) {
        return new DeliveryCursor(trackingUri, experimentId, mlflowRunId, artifactUri, seq);
    }
}
