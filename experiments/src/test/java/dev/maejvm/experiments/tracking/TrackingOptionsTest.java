package dev.maejvm.experiments.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrackingOptionsTest {
    static TrackingOptions parse(String... args) {
        TrackingOptions o = new TrackingOptions();
        new CommandLine(o).parseArgs(args);
        return o;
    }

    @Test
    void mlflowEnvironmentVariablesAreTheDefaultsAndOptionsWin() {
        Map<String, String> env = Map.of("MLFLOW_TRACKING_URI", "http://mlflow:5000", "MLFLOW_EXPERIMENT_NAME", "mae",
                "MLFLOW_RUN_ID", "abc123", "MLFLOW_TAGS", "{\"team\": \"vision\", \"prio\": 2}");
        TrackingConfig fromEnv = parse().config(env);
        assertEquals(new TrackingConfig("http://mlflow:5000", "mae", "abc123", null, Map.of("team", "vision", "prio", "2")), fromEnv);

        TrackingConfig both = parse("--tracking-uri", "https://other", "--experiment-name", "x", "--run-name", "r1",
                "--tag", "team=nlp", "--tag", "seed=3").config(env);
        assertEquals("https://other", both.trackingUri());
        assertEquals("x", both.experimentName());
        assertEquals("abc123", both.runId());
        assertEquals("r1", both.runName());
        assertEquals(Map.of("team", "nlp", "prio", "2", "seed", "3"), both.tags());
    }

    @Test
    void tagsComeAsJsonOrKeyValuePairs() {
        assertEquals(Map.of("a", "1", "b", "x=y"), TrackingOptions.parseTags("a=1, b=x=y"));
        assertEquals(Map.of("a", "1"), TrackingOptions.parseTags("{\"a\":\"1\"}"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrackingOptions.parseTags("a,b")).getMessage()
                .contains("MLFLOW_TAGS"));
    }

    @Test
    void noUriMeansTheJournalOnlyAndFileUrisAreRefusedWithAReason() {
        assertNull(parse().config(Map.of()).trackingUri());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--tracking-uri", "file:///tmp/mlruns").config(Map.of()));
        assertTrue(e.getMessage().startsWith("trackingUri"), e.getMessage());
    }

    @Test
    void longKeysAreShortenedApartAndLongValuesSayTheirLength() {
        String a = "a".repeat(300) + "1";
        String b = "a".repeat(300) + "2";
        assertEquals(250, MlflowLimits.key(a).length());
        assertTrue(!MlflowLimits.key(a).equals(MlflowLimits.key(b)));
        assertEquals("short", MlflowLimits.key("short"));
        String v = MlflowLimits.value("x".repeat(9000), 6000);
        assertEquals(6000, v.length());
        assertTrue(v.endsWith("[truncated: 9000 chars]"));
    }
}
