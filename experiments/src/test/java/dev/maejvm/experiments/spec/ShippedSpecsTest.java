package dev.maejvm.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The specs the product ships (experiments/specs) load, with the points their comments promise. */
class ShippedSpecsTest {
    private static final Path SPECS = Path.of("specs");            // surefire runs in the module's folder

    @Test
    void everyShippedSpecLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(SPECS)) {
            files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(6, files.size(), files.toString());
        for (Path f : files) {
            ExperimentSpec spec = ExperimentSpec.load(f);
            assertEquals(f.getFileName().toString().replace(".yaml", ""), spec.name(), "the file is named after its spec");
            assertTrue(!spec.description().isEmpty(), f + " describes itself");
        }
        assertEquals(7, ExperimentSpec.load(SPECS.resolve("mask-ratio.yaml")).points().size());
        assertEquals(4, ExperimentSpec.load(SPECS.resolve("decoder-depth.yaml")).points().size());
        assertEquals(6, ExperimentSpec.load(SPECS.resolve("norm-pix.yaml")).points().size());
        assertEquals(2, ExperimentSpec.load(SPECS.resolve("mask-tokens.yaml")).points().size());
        assertEquals(6, ExperimentSpec.load(SPECS.resolve("scratch.yaml")).points().size());
        assertEquals(2, ExperimentSpec.load(SPECS.resolve("detection.yaml")).points().size());
    }
}
