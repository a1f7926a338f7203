package dev.maejvm.experiments.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML spec into {@link SpecNode}s that remember their lines. Jackson's YAML parser does
 * the YAML; its tree model forgets where values were, so the tree is built here from the token
 * stream. Duplicate keys and YAML syntax errors are errors naming the line.
 */
public final class SpecReader {
    private static final YAMLFactory YAML = new YAMLFactory();

    private SpecReader() {}

    public static SpecNode read(Path file) {
        try (JsonParser p = YAML.createParser(file.toFile())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new SpecException(file, 1, "the spec is empty");
            }
            SpecNode root = node(p, file);
            if (p.nextToken() != null) {
                throw new SpecException(file, line(p), "more than one YAML document");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : 1;
            throw new SpecException(file, line, "not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read experiment spec " + file + ": " + e.getMessage(), e);
        }
    }

    private static SpecNode node(JsonParser p, Path file) throws IOException {
        int line = line(p);
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, SpecNode> entries = new LinkedHashMap<>();
            Map<String, Integer> keyLines = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = line(p);
                if (entries.containsKey(key)) {
                    throw new SpecException(file, keyLine, "key '" + key + "' appears twice (first on line "
                            + keyLines.get(key) + ")");
                }
                p.nextToken();
                keyLines.put(key, keyLine);
                entries.put(key, node(p, file));
            }
            return new SpecNode.Mapping(entries, keyLines, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<SpecNode> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(node(p, file));
            }
            return new SpecNode.Sequence(items, line);
        }
        if (t == JsonToken.VALUE_NULL) {
            throw new SpecException(file, line, "a value is missing (null)");
        }
        return new SpecNode.Scalar(p.getText(), line);
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }
}
