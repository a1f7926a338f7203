package dev.maejvm.finetune.det.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fixture in resources {@code fixture/}: a random ground truth (36 images, 7 categories, crowd
 * regions, all sizes) and results (362 detections, ties in score, an image with more than 100),
 * and what pycocotools' COCOeval computed for them (see the README there). The precision and
 * recall tables must be the same doubles; the twelve means and the per-category AP too (the mean
 * is numpy's pairwise sum), asserted to 0 rather than a tolerance.
 */
class CocoPycocotoolsFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode expected;
    private static CocoGroundTruth gt;
    private static List<Detection> results;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(CocoPycocotoolsFixtureTest.class.getResource("fixture/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        expected = JSON.readTree(resource("expected.json").toFile());
        gt = CocoGroundTruthJson.read(resource("gt.json"));
        results = CocoResultsJson.read(resource("results.json"));
    }

    @Test
    void theTwelveNumbersArePycocotoolsStats() throws Exception {
        CocoSummary s = CocoEvaluator.evaluate(gt, results);
        double[] stats = s.stats();
        for (int i = 0; i < 12; i++) {
            assertEquals(expected.get("stats").get(i).asDouble(), stats[i], 0.0, "stats[" + i + "]");
        }
        assertEquals(expected.get("summary").asText().strip(), s.table().strip());
        assertEquals(s, CocoEvaluator.evaluate(resource("gt.json"), resource("results.json")));
    }

    @Test
    void perCategoryApIsPycocotools() {
        CocoSummary s = CocoEvaluator.evaluate(gt, results);
        List<Integer> ids = new ArrayList<>();
        expected.get("category_ids").forEach(n -> ids.add(n.asInt()));
        assertEquals(ids, List.copyOf(s.perCategoryAp().keySet()));
        for (int id : ids) {
            assertEquals(expected.get("per_category_ap").get(String.valueOf(id)).asDouble(), s.perCategoryAp().get(id), 0.0,
                    "category " + id);
        }
        assertEquals(-1, s.perCategoryAp().get(11)); // detections only
        assertEquals(-1, s.perCategoryAp().get(13)); // crowd regions only
    }

    @Test
    void precisionAndRecallTablesArePycocotoolsDoubles() {
        Accumulation acc = CocoEvaluator.accumulate(gt, results);
        JsonNode p = expected.get("precision_all_100"); // [T][R][K] at area all, maxDets 100
        int cells = 0;
        for (int t = 0; t < 10; t++) {
            for (int r = 0; r < 101; r++) {
                for (int k = 0; k < acc.categoryIds().size(); k++) {
                    assertEquals(p.get(t).get(r).get(k).asDouble(), acc.precision()[t][r][k][0][2], 0.0,
                            "precision[" + t + "][" + r + "][" + k + "]");
                    cells++;
                }
            }
        }
        JsonNode rec = expected.get("recall"); // [T][K][A][M]
        for (int t = 0; t < 10; t++) {
            for (int k = 0; k < acc.categoryIds().size(); k++) {
                for (int a = 0; a < 4; a++) {
                    for (int m = 0; m < 3; m++) {
                        assertEquals(rec.get(t).get(k).get(a).get(m).asDouble(), acc.recall()[t][k][a][m], 0.0,
                                "recall[" + t + "][" + k + "][" + a + "][" + m + "]");
                    }
                }
            }
        }
        assertEquals(10 * 101 * 7, cells);
    }
}
