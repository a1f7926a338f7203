package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.detection.BoundingBox;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The FCOS matching rule on hand-made boxes, and against a direct transcription of detectron2's on random ones. */
class FcosTargetAssignerTest {
    /** A 64 x 64 input: P3-like 8 x 8 and P4-like 4 x 4; detectron2 ranges [0, 64], [64, inf]. */
    private static final List<FeatureLevel> SMALL = List.of(new FeatureLevel(8, 8, 8), new FeatureLevel(16, 4, 4));
    /** A 128 x 128 input. */
    private static final List<FeatureLevel> LARGE = List.of(new FeatureLevel(8, 16, 16), new FeatureLevel(16, 8, 8));

    private static FcosTargets assign(List<FeatureLevel> levels, int numClasses, List<List<BoundingBox>> boxes) {
        AnchorPoints points = new AnchorPoints(levels, boxes.size());
        return new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), numClasses).assign(points, boxes);
    }

    /** The row of cell (x, y) of {@code level} in image n. */
    private static int row(FcosTargets t, int n, int level, int x, int y) {
        AnchorPoints p = t.points();
        return p.row(n, p.levelOffset(level) + y * p.levels().get(level).width() + x);
    }

    @Test
    void aPointInsideTwoBoxesTakesTheSmaller() {
        // the big box's centre region: |d| < 12 around (32, 32), i.e. cells 3, 4 (centres 28, 36)
        BoundingBox big = new BoundingBox(0, 0, 64, 64, 0);
        BoundingBox small = new BoundingBox(16, 16, 32, 32, 1);
        for (List<BoundingBox> order : List.of(List.of(big, small), List.of(small, big))) {
            FcosTargets t = assign(SMALL, 2, List.of(order));
            // (28, 28): inside both, near both centres -> the small one
            int r = row(t, 0, 0, 3, 3);
            assertEquals(1, t.classOf(r));
            assertArrayEquals(new double[] {16, 16, 32, 32}, t.boxOf(r));
            assertArrayEquals(new double[] {1.5, 1.5, 0.5, 0.5}, t.deltasOf(r));
            // (36, 36): outside the small box -> the big one
            assertEquals(0, t.classOf(row(t, 0, 0, 4, 4)));
            assertArrayEquals(new double[] {0, 0, 64, 64}, t.boxOf(row(t, 0, 0, 4, 4)));
            // (20, 20): the small box's only; (36, 28): the big one's only
            assertEquals(1, t.classOf(row(t, 0, 0, 2, 2)));
            assertEquals(0, t.classOf(row(t, 0, 0, 4, 3)));
        }
    }

    @Test
    void equalAreasGoToTheFirstBox() {
        BoundingBox a = new BoundingBox(0, 0, 40, 40, 0);
        BoundingBox b = new BoundingBox(8, 8, 48, 48, 1);
        FcosTargets t = assign(SMALL, 2, List.of(List.of(a, b)));
        assertEquals(0, t.classOf(row(t, 0, 0, 2, 2))); // (20, 20): a's centre, 8 from b's... inside both
        FcosTargets u = assign(SMALL, 2, List.of(List.of(b, a)));
        assertEquals(1, u.classOf(row(u, 0, 0, 2, 2)));
    }

    @Test
    void aPointOutsideTheCentreRegionIsNegative() {
        BoundingBox box = new BoundingBox(0, 0, 64, 64, 0);
        FcosTargets t = assign(SMALL, 1, List.of(List.of(box)));
        // the centre region is |d| < 1.5 * 8 = 12 around (32, 32): cells 3 and 4 (centres 28, 36) only
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean near = (x == 3 || x == 4) && (y == 3 || y == 4);
                assertEquals(near ? 0 : FcosTargets.BACKGROUND, t.classOf(row(t, 0, 0, x, y)), "cell " + x + ", " + y);
            }
        }
        // (4, 4) is inside the box but 28 from its centre
        assertEquals(FcosTargets.BACKGROUND, t.classOf(row(t, 0, 0, 0, 0)));
        // (44, 28) is exactly 12 away: the bound is strict
        assertEquals(FcosTargets.BACKGROUND, t.classOf(row(t, 0, 0, 5, 3)));
        assertEquals(4, t.numPositives()); // stride 16: max distance 40 is not in (64, inf)
        assertEquals(4, t.normalizer());
    }

    @Test
    void theCentreRegionIsClippedToTheBox() {
        // a thin box, x in [18, 26]: the 12-pixel square around its centre (22, 32) reaches past
        // both sides; only cell column 2 (x = 20) is inside, at rows 3 and 4 (y = 28, 36)
        FcosTargets t = assign(SMALL, 1, List.of(List.of(new BoundingBox(18, 0, 26, 64, 0))));
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean pos = x == 2 && (y == 3 || y == 4);
                assertEquals(pos ? 0 : FcosTargets.BACKGROUND, t.classOf(row(t, 0, 0, x, y)), "cell " + x + ", " + y);
            }
        }
        assertEquals(2, t.numPositives());
        // the same box from x0 = 20: the column's centre lies on the left edge, l = 0 is not inside
        FcosTargets u = assign(SMALL, 1, List.of(List.of(new BoundingBox(20, 0, 26, 64, 0))));
        assertEquals(0, u.numPositives());
    }

    @Test
    void sizeRangesRouteALargeBoxToTheCoarseLevel() {
        BoundingBox large = new BoundingBox(0, 0, 128, 128, 0);
        BoundingBox small = new BoundingBox(56, 56, 72, 72, 1);
        FcosTargets t = assign(LARGE, 2, List.of(List.of(large), List.of(small)));
        int onFine = 0;
        int onCoarse = 0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                onFine += t.classOf(row(t, 0, 0, x, y)) == 0 ? 1 : 0;
            }
        }
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                onCoarse += t.classOf(row(t, 0, 1, x, y)) == 0 ? 1 : 0;
            }
        }
        // stride 8 near the centre: max distance 68 > 64 -> no; stride 16: cells 3, 4 (56, 72), max 72 in (64, inf)
        assertEquals(0, onFine);
        assertEquals(4, onCoarse);
        int r = row(t, 0, 1, 3, 3);
        assertArrayEquals(new double[] {56.0 / 16, 56.0 / 16, 72.0 / 16, 72.0 / 16}, t.deltasOf(r));
        // image 1: the small box on the fine level, cells 7, 8 (centres 60, 68)
        assertEquals(1, t.classOf(row(t, 1, 0, 7, 7)));
        assertEquals(1, t.classOf(row(t, 1, 0, 8, 8)));
        assertEquals(FcosTargets.BACKGROUND, t.classOf(row(t, 1, 1, 3, 3))); // (56, 56) is on its corner
        assertEquals(8, t.numPositives());
    }

    @Test
    void rangeBoundsAreStrict() {
        // cells centred at 4 + 8k; a box whose max distance from (60, 60) is exactly 64 matches neither level
        List<FeatureLevel> levels = List.of(new FeatureLevel(8, 16, 16), new FeatureLevel(16, 8, 8));
        MatchingConfig config = new MatchingConfig(1.5, List.of(new SizeRange(0, 64), new SizeRange(64, 1000)));
        AnchorPoints points = new AnchorPoints(levels, 1);
        FcosTargets t = new FcosTargetAssigner(config, BoxCoding.detectron2(), 1)
                .assign(points, List.of(List.of(new BoundingBox(60 - 64, 60 - 4, 64, 64, 0))));
        assertEquals(FcosTargets.BACKGROUND, t.classOf(row(t, 0, 0, 7, 7)));
    }

    @Test
    void centernessIsOneAtTheExactCentre() {
        FcosTargets t = assign(SMALL, 3, List.of(List.of(new BoundingBox(4, 4, 20, 20, 2))));
        int r = row(t, 0, 0, 1, 1); // (12, 12), the box's centre
        assertEquals(2, t.classOf(r));
        assertEquals(1.0, t.centernessOf(r), 0.0);
        assertArrayEquals(new double[] {1, 1, 1, 1}, t.deltasOf(r));
        int off = row(t, 0, 0, 1, 2); // (12, 20) is on the bottom edge: negative
        assertEquals(FcosTargets.BACKGROUND, t.classOf(off));
        FcosTargets u = assign(SMALL, 3, List.of(List.of(new BoundingBox(2, 4, 26, 20, 2))));
        int v = row(u, 0, 0, 1, 1); // (12, 12): l 10, r 14, t = b = 8
        assertEquals(Math.sqrt(10.0 / 14), u.centernessOf(v), 1e-15);
        assertEquals(0.0, u.centernessOf(row(u, 0, 0, 5, 5)));
    }

    @Test
    void anImageWithoutBoxesIsAllBackground() {
        FcosTargets t = assign(SMALL, 2, List.of(List.of(), List.of(new BoundingBox(4, 4, 20, 20, 1))));
        AnchorPoints p = t.points();
        for (int i = 0; i < p.pointsPerImage(); i++) {
            assertEquals(FcosTargets.BACKGROUND, t.classOf(p.row(0, i)));
        }
        assertEquals(1, t.numPositives());
        assertEquals(p.row(1, 9), t.positiveRows()[0]);
        FcosTargets none = assign(SMALL, 2, List.of(List.of()));
        assertEquals(0, none.numPositives());
        assertEquals(1.0, none.normalizer());
    }

    @Test
    void badInputsAreNamed() {
        AnchorPoints points = new AnchorPoints(SMALL, 1);
        FcosTargetAssigner a = new FcosTargetAssigner(MatchingConfig.detectron2(SMALL), BoxCoding.detectron2(), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.assign(points, List.of(List.of(new BoundingBox(0, 0, 8, 8, 2)))));
        assertTrue(e.getMessage().contains("category 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.assign(points, List.of(List.of(), List.of())));
        assertTrue(e.getMessage().contains("boxesPerImage"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MatchingConfig(0, SizeRange.detectron2(SMALL)));
        assertTrue(e.getMessage().contains("centerSamplingRadius"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SizeRange(64, 32));
        assertTrue(e.getMessage().contains("upper"), e.getMessage());
        FcosTargetAssigner oneRange = new FcosTargetAssigner(new MatchingConfig(1.5, List.of(new SizeRange(0, 10))), BoxCoding.detectron2(), 2);
        e = assertThrows(IllegalArgumentException.class, () -> oneRange.assign(points, List.of(List.of())));
        assertTrue(e.getMessage().contains("sizeRanges"), e.getMessage());
    }

    @Test
    void detectron2RangesOfP3ToP7() {
        List<FeatureLevel> p3p7 = new ArrayList<>();
        for (int s = 8; s <= 128; s *= 2) {
            p3p7.add(new FeatureLevel(s, 1, 1));
        }
        assertEquals(List.of(new SizeRange(0, 64), new SizeRange(64, 128), new SizeRange(128, 256), new SizeRange(256, 512),
                new SizeRange(512, Double.POSITIVE_INFINITY)), SizeRange.detectron2(p3p7));
    }

    /** detectron2's _match_anchors + label_anchors written out over all (point, box) pairs. */
    private static int[] reference(AnchorPoints p, List<BoundingBox> gt, MatchingConfig c) {
        int[] cls = new int[p.pointsPerImage()];
        for (int i = 0; i < cls.length; i++) {
            double px = p.centerX(i);
            double py = p.centerY(i);
            double s = p.stride(i);
            SizeRange range = c.sizeRanges().get(p.level(i));
            double best = 0;
            int match = -1;
            for (int m = 0; m < gt.size(); m++) {
                BoundingBox b = gt.get(m);
                double cx = (b.x0() + b.x1()) / 2;
                double cy = (b.y0() + b.y1()) / 2;
                boolean ok = Math.max(Math.abs(px - cx), Math.abs(py - cy)) < c.centerSamplingRadius() * s;
                double[] d = {px - b.x0(), py - b.y0(), b.x1() - px, b.y1() - py};
                ok &= Math.min(Math.min(d[0], d[1]), Math.min(d[2], d[3])) > 0;
                double mx = Math.max(Math.max(d[0], d[1]), Math.max(d[2], d[3]));
                ok &= mx > range.lower() && mx < range.upper();
                double quality = ok ? 1e8 - b.area() : 0;
                if (quality > best) {
                    best = quality;
                    match = m;
                }
            }
            cls[i] = match < 0 ? FcosTargets.BACKGROUND : gt.get(match).category();
        }
        return cls;
    }

    @Test
    void agreesWithTheAllPairsRuleOnRandomBoxes() {
        List<FeatureLevel> levels = List.of(new FeatureLevel(4, 40, 48), new FeatureLevel(8, 20, 24), new FeatureLevel(16, 10, 12),
                new FeatureLevel(32, 5, 6));
        MatchingConfig config = new MatchingConfig(1.5, List.of(new SizeRange(0, 16), new SizeRange(16, 32), new SizeRange(32, 64),
                new SizeRange(64, Double.POSITIVE_INFINITY)));
        SplittableRandom r = new SplittableRandom(11);
        List<List<BoundingBox>> boxes = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            List<BoundingBox> gt = new ArrayList<>();
            for (int m = 0; m < 1 + r.nextInt(12); m++) {
                double w = Math.exp(r.nextDouble() * Math.log(180)) + 1;
                double h = Math.exp(r.nextDouble() * Math.log(150)) + 1;
                double x0 = r.nextDouble() * 200 - 10;
                double y0 = r.nextDouble() * 170 - 10;
                // integer edges half the time: ties with cell centres
                if (r.nextBoolean()) {
                    x0 = Math.rint(x0);
                    y0 = Math.rint(y0);
                    w = Math.rint(w);
                    h = Math.rint(h);
                }
                gt.add(new BoundingBox(x0, y0, x0 + w, y0 + h, r.nextInt(5)));
            }
            boxes.add(gt);
        }
        AnchorPoints points = new AnchorPoints(levels, boxes.size());
        FcosTargets t = new FcosTargetAssigner(config, BoxCoding.detectron2(), 5).assign(points, boxes);
        int positives = 0;
        for (int n = 0; n < boxes.size(); n++) {
            int[] expected = reference(points, boxes.get(n), config);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], t.classOf(points.row(n, i)), "image " + n + " point " + i);
                positives += expected[i] == FcosTargets.BACKGROUND ? 0 : 1;
            }
        }
        assertEquals(positives, t.numPositives());
        assertTrue(positives > 50, "positives " + positives);
    }
}
