package dev.maejvm.experiments.cli.experiment;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maejvm.experiments.spec.ExperimentSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An experiment's output folder ({@code runs/experiments/<name>} unless given): the points'
 * folders, a copy of the spec it ran, and {@code experiment.json} with the parent run's id, so a
 * resumed experiment continues its parent run.
 */
final class ExperimentFolder {
    static final String FILE = "experiment.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ExperimentFolder() {}

    static Path of(ExperimentSpec spec, Path given) {
        return given != null ? given : Path.of("runs", "experiments", spec.name());
    }

    /** The parent run id recorded by an earlier sitting, or null. */
    static String parentRunId(Path out) throws IOException {
        Path f = out.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Map<String, Object> m = JSON.readValue(f.toFile(), new TypeReference<>() {});
        Object id = m.get("parentRunId");
        return id == null ? null : id.toString();
    }

    static void record(Path out, ExperimentSpec spec, String parentRunId) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("spec", spec.file().toAbsolutePath().toString());
        m.put("parentRunId", parentRunId);
        m.put("points", spec.points().size());
        Path tmp = out.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, out.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.copy(spec.file(), out.resolve("spec.yaml"), StandardCopyOption.REPLACE_EXISTING);
    }
}
