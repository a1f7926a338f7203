package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a run journal that is still being written, from where it last stopped: only complete
 * lines (ending in a newline), so a record being appended right now is read on a later call.
 */
final class JournalTail {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private long offset;

    JournalTail(Path file) {
        this.file = file;
    }

    /** Up to {@code max} new records. */
    List<JournalRecord> next(int max) throws IOException {
        List<JournalRecord> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.position(offset);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long pos = offset;
            while (out.size() < max && ch.read(buf) > 0) {
                buf.flip();
                while (buf.hasRemaining() && out.size() < max) {
                    byte b = buf.get();
                    pos++;
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    offset = pos;
                    if (!text.isBlank()) {
                        try {
                            out.add(JSON.readValue(text, JournalRecord.class));
                        } catch (IOException e) {
                            throw new IOException(file + " at byte " + (pos - text.length() - 1) + ": not a journal record: "
                                    + e.getMessage(), e);
                        }
                    }
                }
                buf.clear();
            }
        }
        return out;
    }
}
