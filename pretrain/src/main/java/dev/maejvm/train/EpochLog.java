package dev.maejvm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** One JSON object per epoch appended to {@code log.txt}, as the official {@code main_pretrain.py} writes it. */
public final class EpochLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public EpochLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public void append(Map<String, Object> record) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the epoch log " + file, e);
        }
    }
}
