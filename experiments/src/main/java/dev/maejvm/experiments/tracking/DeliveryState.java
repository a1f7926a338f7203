package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How far a journal has reached a tracking server: the MLflow experiment and run it goes to and
 * the last journal record delivered. Kept beside the journal ({@code run.jsonl.mlflow.json}),
 * written atomically after every batch the server accepted.
 */
public record DeliveryState(String trackingUri, String experimentId, String mlflowRunId, String artifactUri, long deliveredSeq) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fileFor(Path journal) {
        return journal.resolveSibling(journal.getFileName() + ".mlflow.json");
    }

    static DeliveryState load(Path journal) throws IOException {
        Path f = fileFor(journal);
        return Files.exists(f) ? JSON.readValue(f.toFile(), DeliveryState.class) : null;
    }

    void save(Path journal) throws IOException {
        Path f = fileFor(journal);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    DeliveryState withSeq(long seq) {
        return new DeliveryState(trackingUri, experimentId, mlflowRunId, artifactUri, seq);
    }
}
