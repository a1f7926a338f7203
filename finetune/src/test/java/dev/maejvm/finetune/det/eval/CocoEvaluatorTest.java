package dev.maejvm.finetune.det.eval;

import static dev.maejvm.finetune.det.eval.EvalCases.ONE;
import static dev.maejvm.finetune.det.eval.EvalCases.crowd;
import static dev.maejvm.finetune.det.eval.EvalCases.det;
import static dev.maejvm.finetune.det.eval.EvalCases.gt;
import static dev.maejvm.finetune.det.eval.EvalCases.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-made cases whose numbers follow from cocoeval's rules by hand. A run of true positives has
 * precision {@code 1 / (1 + 2^-52)} ({@link EvalCases#ONE}), not 1, because cocoeval adds
 * np.spacing(1) to the denominator; means are compared to 1e-15.
 */
class CocoEvaluatorTest {
    private static final double EPS = 1e-15;

    /** AP as 101 recall points average it when precision is p1 up to recall r1 (points 0..r1) and p2 beyond it up to 1. */
    private static double twoStep(int pointsAtP1, double p1, double p2) {
        return (pointsAtP1 * p1 + (101 - pointsAtP1) * p2) / 101;
    }

    @Test
    void perfectDetectionsScoreOneAndAbsentSizesMinusOne() {
        // one medium object (50 x 50 = 2500 px²), one large (100 x 100), each found exactly
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 10, 10, 50, 50), obj(2, 1, 1, 200, 200, 100, 100));
        CocoSummary s = CocoEvaluator.evaluate(g, List.of(det(1, 1, 10, 10, 50, 50, 0.9), det(1, 1, 200, 200, 100, 100, 0.8)));
        assertEquals(ONE, s.ap(), EPS);
        assertEquals(ONE, s.ap50(), EPS);
        assertEquals(ONE, s.ap75(), EPS);
        assertEquals(-1, s.apSmall());
        assertEquals(ONE, s.apMedium(), EPS);
        assertEquals(ONE, s.apLarge(), EPS);
        assertEquals(0.5, s.ar1(), EPS); // one detection per image: half the objects
        assertEquals(1, s.ar10(), EPS);
        assertEquals(1, s.ar100(), EPS);
        assertEquals(-1, s.arSmall());
        assertEquals(1, s.arMedium(), EPS);
        assertEquals(1, s.arLarge(), EPS);
        assertEquals(ONE, s.perCategoryAp().get(1), EPS);
    }

    @Test
    void aDuplicateIsAFalsePositive() {
        // objects A and B; A found twice (0.9, 0.8), B once (0.7): TP, FP, TP
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 0, 0, 100, 100), obj(2, 1, 1, 300, 300, 100, 100));
        List<Detection> d = List.of(det(1, 1, 0, 0, 100, 100, 0.9), det(1, 1, 0, 0, 100, 100, 0.8),
                det(1, 1, 300, 300, 100, 100, 0.7));
        CocoSummary s = CocoEvaluator.evaluate(g, d);
        // recall .5, .5, 1; precision 1, 1/2, 2/3 -> monotone 1, 2/3, 2/3: points 0..0.50 read 1, the 50 above 2/3
        double expected = twoStep(51, ONE, 2 / (3 + Math.ulp(1.0)));
        assertEquals(expected, s.ap(), EPS);
        assertEquals(expected, s.ap50(), EPS);
        assertEquals(0.83498349834983, s.ap(), 1e-14); // (51 + 50 * 2/3) / 101
        assertEquals(1, s.ar100(), EPS);
        assertEquals(0.5, s.ar1(), EPS);
        // without the duplicate the same objects are found perfectly
        assertEquals(ONE, CocoEvaluator.evaluate(g, List.of(d.get(0), d.get(2))).ap(), EPS);
    }

    @Test
    void aMissedObjectCapsRecall() {
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 0, 0, 100, 100), obj(2, 1, 1, 300, 300, 100, 100));
        CocoSummary s = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 100, 100, 0.9)));
        assertEquals(twoStep(51, ONE, 0), s.ap(), EPS); // recall reaches .5: points above it read 0
        assertEquals(0.5, s.ar100(), EPS);
        CocoSummary none = CocoEvaluator.evaluate(g, List.of());
        assertEquals(0, none.ap());
        assertEquals(0, none.ar100());
    }

    @Test
    void detectionsInACrowdRegionAreIgnoredAndTheRegionIsNoObject() {
        CocoAnnotation a = obj(1, 1, 1, 0, 0, 100, 100);
        List<Detection> d = List.of(det(1, 1, 210, 10, 50, 50, 0.95), det(1, 1, 0, 0, 100, 100, 0.9),
                det(1, 1, 300, 100, 60, 60, 0.85));
        CocoSummary withCrowd = CocoEvaluator.evaluate(gt(1, 1, a, crowd(2, 1, 1, 200, 0, 200, 200)), d);
        // both detections lie wholly in the crowd region (IoU = intersection / detection area = 1): ignored
        assertEquals(ONE, withCrowd.ap(), EPS);
        assertEquals(1, withCrowd.ar100(), EPS); // the region is not an object to find
        // the same region as a regular object: the first detection is a false positive (IoU 2500/40000)
        CocoSummary regular = CocoEvaluator.evaluate(gt(1, 1, a, obj(2, 1, 1, 200, 0, 200, 200)), d);
        // FP, TP, FP with 2 objects: recall 0, .5, .5; precision 0, 1/2, 1/3 -> .5 up to recall .5, then 0
        assertEquals(twoStep(51, 1 / (2 + Math.ulp(1.0)), 0), regular.ap(), EPS);
    }

    @Test
    void onlyCrowdGroundTruthLeavesTheCategoryOut() {
        CocoGroundTruth g = gt(1, 2, obj(1, 1, 1, 0, 0, 100, 100), crowd(2, 1, 2, 200, 0, 200, 200));
        CocoSummary s = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 100, 100, 0.9), det(1, 2, 210, 10, 50, 50, 0.95)));
        assertEquals(ONE, s.ap(), EPS);
        assertEquals(-1, s.perCategoryAp().get(2));
    }

    @Test
    void areaRangesUseTheAnnotationsAreaAndIgnoreUnmatchedDetectionsOutsideThem() {
        // a 40 x 40 box (1600 px², medium by its box) whose area field says 900 px²: small
        CocoGroundTruth g = gt(1, 1, new CocoAnnotation(1, 1, 1, 10, 10, 40, 40, 900, false));
        List<Detection> d = List.of(det(1, 1, 200, 200, 100, 100, 0.9), det(1, 1, 10, 10, 40, 40, 0.8));
        CocoSummary s = CocoEvaluator.evaluate(g, d);
        // all: FP then TP -> recall 0, 1; precision 0, 1/2 -> 1/2 everywhere
        assertEquals(1 / (2 + Math.ulp(1.0)), s.ap(), EPS);
        // small: the large false positive is unmatched and outside the range, so ignored
        assertEquals(ONE, s.apSmall(), EPS);
        assertEquals(1, s.arSmall(), EPS);
        // medium: no object there (the box would say medium, the area field does not)
        assertEquals(-1, s.apMedium());
        assertEquals(-1, s.apLarge());
        assertEquals(-1, s.arLarge());
    }

    @Test
    void aFoundObjectOutsideTheRangeNeitherHelpsNorHurts() {
        // one small (20 x 20) and one large (100 x 100) object; only the small one found
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 0, 0, 20, 20), obj(2, 1, 1, 300, 300, 100, 100));
        CocoSummary s = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 20, 20, 0.9)));
        assertEquals(ONE, s.apSmall(), EPS);
        assertEquals(0, s.apLarge()); // its detection matched an ignored (small) object: ignored, nothing found
        assertEquals(0, s.arLarge());
        assertEquals(twoStep(51, ONE, 0), s.ap(), EPS);
    }

    @Test
    void emptyImagesCountOnlyTheirFalsePositives() {
        CocoGroundTruth g = gt(3, 1, obj(1, 1, 1, 0, 0, 100, 100));
        Detection tp = det(1, 1, 0, 0, 100, 100, 0.9);
        // image 2 has nothing at all; a false positive on image 3 scored below the true one costs nothing
        assertEquals(ONE, CocoEvaluator.evaluate(g, List.of(tp, det(3, 1, 5, 5, 10, 10, 0.5))).ap(), EPS);
        // scored above it, it halves precision at every recall
        assertEquals(1 / (2 + Math.ulp(1.0)), CocoEvaluator.evaluate(g, List.of(tp, det(3, 1, 5, 5, 10, 10, 0.95))).ap(), EPS);
        // a ground truth without any object: every number is -1
        CocoSummary empty = CocoEvaluator.evaluate(gt(2, 1), List.of(det(1, 1, 0, 0, 10, 10, 0.5)));
        for (double v : empty.stats()) {
            assertEquals(-1, v);
        }
    }

    @Test
    void equalScoresAcrossImagesKeepImageIdOrder() {
        // the same score 0.5 on a false positive and a true positive: stable sorting keeps image id order
        Detection fpOn1 = det(1, 1, 300, 300, 50, 50, 0.5);
        Detection tpOn2 = det(2, 1, 0, 0, 100, 100, 0.5);
        CocoGroundTruth objectOn2 = gt(2, 1, obj(1, 2, 1, 0, 0, 100, 100));
        double fpFirst = 1 / (2 + Math.ulp(1.0)); // FP, TP: precision 0, 1/2 -> 1/2
        assertEquals(fpFirst, CocoEvaluator.evaluate(objectOn2, List.of(fpOn1, tpOn2)).ap(), EPS);
        assertEquals(fpFirst, CocoEvaluator.evaluate(objectOn2, List.of(tpOn2, fpOn1)).ap(), EPS);
        // the other way round (object on image 1, false positive on image 2): TP first
        CocoGroundTruth objectOn1 = gt(2, 1, obj(1, 1, 1, 0, 0, 100, 100));
        assertEquals(ONE, CocoEvaluator.evaluate(objectOn1, List.of(det(2, 1, 300, 300, 50, 50, 0.5),
                det(1, 1, 0, 0, 100, 100, 0.5))).ap(), EPS);
    }

    @Test
    void equalScoresInAnImageKeepTheListOrder() {
        // two detections of one object with the same score, IoU .62 and .92; with one detection allowed only the first counts
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 0, 0, 100, 100));
        Detection loose = det(1, 1, 0, 0, 62, 100, 0.5);
        Detection tight = det(1, 1, 0, 0, 92, 100, 0.5);
        assertEquals(0.3, CocoEvaluator.evaluate(g, List.of(loose, tight)).ar1(), EPS); // .50, .55, .60
        assertEquals(0.9, CocoEvaluator.evaluate(g, List.of(tight, loose)).ar1(), EPS); // .50 ... .90
    }

    @Test
    void categoriesWithoutGroundTruthAreLeftOutOfTheMean() {
        CocoGroundTruth g = gt(1, 3, obj(1, 1, 1, 0, 0, 100, 100));
        List<Detection> d = List.of(det(1, 1, 0, 0, 100, 100, 0.9), det(1, 2, 0, 0, 100, 100, 0.99));
        CocoSummary s = CocoEvaluator.evaluate(g, d);
        assertEquals(ONE, s.ap(), EPS);
        assertEquals(1, s.ar100(), EPS);
        assertEquals(-1, s.perCategoryAp().get(2)); // detections only
        assertEquals(-1, s.perCategoryAp().get(3)); // nothing
        assertEquals(List.of(1, 2, 3), List.copyOf(s.perCategoryAp().keySet()));
        String[] rows = s.categoryTable(g.categories()).split("\\R");
        assertEquals("     1  c1                       1.000", rows[0]);
        assertEquals("     2  c2                         -  ", rows[1]);
    }

    @Test
    void onlyTheHundredBestDetectionsPerImageAndCategoryCount() {
        CocoGroundTruth g = gt(1, 1, obj(1, 1, 1, 0, 0, 100, 100));
        List<Detection> d = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            d.add(det(1, 1, 500 + i, 500, 10, 10, 0.9));
        }
        d.add(det(1, 1, 0, 0, 100, 100, 0.1));
        assertEquals(0, CocoEvaluator.evaluate(g, d).ar100()); // the true positive is 101st
        d.remove(0);
        CocoSummary s = CocoEvaluator.evaluate(g, d); // now it is 100th: found at precision 1/100
        assertEquals(1, s.ar100(), EPS);
        assertEquals(0, s.ar10());
        assertEquals(1 / (100 + Math.ulp(1.0)), s.ap(), EPS);
    }

    @Test
    void aMatchToAnnotationIdZeroCountsAsNoneAsInPycocotools() {
        // cocoeval stores the matched ground truth's id and tests it against 0
        CocoSummary s = CocoEvaluator.evaluate(gt(1, 1, obj(0, 1, 1, 0, 0, 100, 100)), List.of(det(1, 1, 0, 0, 100, 100, 0.9)));
        assertEquals(0, s.ap());
        assertEquals(0, s.ar100());
    }

    @Test
    void tableHasCocoevalsTwelveLines() {
        CocoSummary s = CocoEvaluator.evaluate(gt(1, 1, obj(1, 1, 1, 0, 0, 100, 100)), List.of(det(1, 1, 0, 0, 100, 100, 0.9)));
        String[] lines = s.table().split("\n");
        assertEquals(12, lines.length);
        assertEquals(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000", lines[0]);
        assertEquals(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000", lines[9]);
    }
}
