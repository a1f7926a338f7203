package dev.maejvm.finetune.det.eval;

import static dev.maejvm.finetune.det.eval.EvalCases.crowd;
import static dev.maejvm.finetune.det.eval.EvalCases.det;
import static dev.maejvm.finetune.det.eval.EvalCases.obj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** cocoeval's evaluateImg rules one by one, on {@link ImageMatcher} and {@link BoxIou} directly. */
class CocoMatchingTest {
    private static final double[] T = CocoThresholds.iou();

    private static ImageEvaluation match(List<CocoAnnotation> gt, List<Detection> dt, AreaRange area) {
        List<Detection> sorted = ImageMatcher.sortAndCut(dt, 100);
        return ImageMatcher.evaluate(1, 1, gt, sorted, BoxIou.matrix(sorted, gt), area, T);
    }

    @Test
    void boxIouHasNoPlusOneAndCrowdDividesByTheDetection() {
        CocoAnnotation g = obj(1, 1, 1, 5, 5, 10, 10);
        Detection d = det(1, 1, 0, 0, 10, 10, 1);
        assertEquals(25.0 / 175.0, BoxIou.iou(d, g)); // 5 x 5 inside, union 100 + 100 - 25
        assertEquals(0.25, BoxIou.iou(d, crowd(2, 1, 1, 5, 5, 10, 10)));
        assertEquals(0, BoxIou.iou(d, obj(3, 1, 1, 10, 0, 10, 10))); // touching edges
        assertEquals(0, BoxIou.iou(det(1, 1, 3, 3, 0, 4, 1), g)); // zero width
    }

    @Test
    void thresholdsAreNumpysLinspaceDoubles() {
        // float.hex() of numpy's np.linspace(.5, 0.95, 10)
        String[] hex = {"0x1.0p-1", "0x1.199999999999ap-1", "0x1.3333333333333p-1", "0x1.4cccccccccccdp-1", "0x1.6666666666666p-1",
            "0x1.8p-1", "0x1.999999999999ap-1", "0x1.b333333333333p-1", "0x1.cccccccccccccp-1", "0x1.e666666666666p-1"};
        for (int t = 0; t < 10; t++) {
            assertEquals(hex[t], Double.toHexString(T[t]));
        }
        double[] r = CocoThresholds.recall();
        assertEquals(101, r.length);
        assertEquals(0.5, r[50]);
        assertEquals(1.0, r[100]);
        assertEquals(7 * 0.01, r[7]);
        assertEquals(5, CocoThresholds.iouIndex(.75));
    }

    @Test
    void aDetectionPrefersARegularObjectToACrowdRegion() {
        // regular object with IoU 0.7; crowd region containing the whole detection (IoU 1)
        CocoAnnotation regular = obj(10, 1, 1, 0, 0, 100, 100);
        CocoAnnotation region = crowd(20, 1, 1, 0, 0, 300, 300);
        ImageEvaluation e = match(List.of(region, regular), List.of(det(1, 1, 0, 0, 70, 100, 0.9)), AreaRange.ALL);
        assertArrayEquals(new boolean[] {false, true}, e.gtIgnore()); // sorted: regular first
        assertEquals(10, e.dtMatches()[0][0]); // .50: the regular one, and the walk stops at the ignored ones
        assertFalse(e.dtIgnore()[0][0]);
        assertEquals(10, e.dtMatches()[4][0]); // .70 <= 0.7
        assertEquals(20, e.dtMatches()[5][0]); // .75: only the region is good enough: ignored
        assertTrue(e.dtIgnore()[5][0]);
    }

    @Test
    void aCrowdRegionTakesManyDetectionsARegularObjectOne() {
        CocoAnnotation region = crowd(20, 1, 1, 0, 0, 300, 300);
        CocoAnnotation a = obj(10, 1, 1, 400, 0, 100, 100);
        List<Detection> d = List.of(det(1, 1, 10, 10, 50, 50, 0.9), det(1, 1, 100, 100, 50, 50, 0.8),
                det(1, 1, 400, 0, 100, 100, 0.7), det(1, 1, 400, 0, 100, 100, 0.6));
        ImageEvaluation e = match(List.of(region, a), d, AreaRange.ALL);
        assertArrayEquals(new long[] {20, 20, 10, 0}, e.dtMatches()[0]);
        assertArrayEquals(new boolean[] {true, true, false, false}, e.dtIgnore()[0]);
        assertArrayEquals(new double[] {0.9, 0.8, 0.7, 0.6}, e.dtScores());
    }

    @Test
    void equalIousGoToTheLaterObject() {
        // two identical objects: `ious < iou` lets an equal IoU replace the match so far
        List<CocoAnnotation> gt = List.of(obj(7, 1, 1, 0, 0, 100, 100), obj(8, 1, 1, 0, 0, 100, 100));
        ImageEvaluation e = match(gt, List.of(det(1, 1, 0, 0, 100, 100, 0.9), det(1, 1, 0, 0, 100, 100, 0.8)), AreaRange.ALL);
        assertArrayEquals(new long[] {8, 7}, e.dtMatches()[0]);
    }

    @Test
    void detectionsAreSortedByScoreStablyAndCut() {
        List<Detection> d = List.of(det(1, 1, 1, 0, 1, 1, 0.5), det(1, 1, 2, 0, 1, 1, 0.9), det(1, 1, 3, 0, 1, 1, 0.5),
                det(1, 1, 4, 0, 1, 1, -0.0), det(1, 1, 5, 0, 1, 1, 0.0));
        List<Detection> s = ImageMatcher.sortAndCut(d, 4);
        assertEquals(List.of(2.0, 1.0, 3.0, 4.0), s.stream().map(Detection::x).toList()); // -0.0 == 0.0: a tie, kept in order
    }

    @Test
    void unmatchedDetectionsOutsideTheRangeAreIgnoredMatchedOnesAreNot() {
        CocoAnnotation small = new CocoAnnotation(1, 1, 1, 0, 0, 40, 40, 1000, false); // 1000 px² by its area field
        List<Detection> d = List.of(det(1, 1, 0, 0, 40, 40, 0.9), det(1, 1, 200, 200, 40, 40, 0.8));
        ImageEvaluation e = match(List.of(small), d, AreaRange.SMALL);
        assertArrayEquals(new long[] {1, 0}, e.dtMatches()[0]);
        assertArrayEquals(new boolean[] {false, true}, e.dtIgnore()[0]); // both are 1600 px²: only the unmatched one is ignored
        assertEquals(1, e.objects());
    }

    @Test
    void nothingOnAnImageIsNoEvaluation() {
        assertNull(match(List.of(), List.of(), AreaRange.ALL));
        ImageEvaluation onlyDetections = match(List.of(), List.of(det(1, 1, 0, 0, 10, 10, 0.5)), AreaRange.ALL);
        assertEquals(0, onlyDetections.dtMatches()[0][0]);
        assertEquals(0, onlyDetections.objects());
    }
}
