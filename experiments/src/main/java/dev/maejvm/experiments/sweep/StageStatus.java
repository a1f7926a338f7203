package dev.maejvm.experiments.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What became of a stage of a point, in {@code stage.json} in the stage's folder: written when the
 * stage ends (atomically: a temporary file moved over it). A stage without one has not finished: a
 * rerun of the experiment runs it again, and its command resumes from its own checkpoint.
 *
 * @param status finished, or failed (a rerun tries it again)
 * @param exitCode the command's exit code (0 finished; 1 the job failed; 2 bad configuration; 3 bad data)
 * @param seconds the wall time of this attempt
 * @param message why it failed, or empty
 * @param args the command line it ran
 */
public record StageStatus(String stage, String status, int exitCode, double seconds, String message, List<String> args) {
    public static final String FILE = "stage.json";
    public static final String FINISHED = "finished";
    public static final String FAILED = "failed";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public boolean finished() {
        return FINISHED.equals(status);
    }

    /** The status in a stage folder, or null when it has none. */
    public static StageStatus read(Path stageDir) {
        Path f = stageDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JSON.readValue(f.toFile(), StageStatus.class);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable stage status " + f + ": " + e.getMessage(), e);
        }
    }

    public void write(Path stageDir) {
        try {
            Files.createDirectories(stageDir);
            Path tmp = stageDir.resolve(FILE + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, stageDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stageDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}
