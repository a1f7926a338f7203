package dev.maejvm.data.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Image;
import dev.maejvm.data.transform.Interpolation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Box-aware augmentation: on images of bright box-shaped rectangles on black, every transform
 * leaves each box tightly around its rectangle's pixels (exactly where no resampling happens,
 * within the resampling blur where it does); flips twice are the identity; crops clip and drop;
 * the same generator gives the same result.
 */
class BoxAugmentTest {
    /** A gray h x w image of value-1 rectangles at the boxes (integer xyxy), 0 elsewhere. */
    static DetectionExample rectangles(int h, int w, List<BoundingBox> boxes) {
        float[] px = new float[h * w];
        for (BoundingBox b : boxes) {
            for (int y = (int) b.y0(); y < b.y1(); y++) {
                for (int x = (int) b.x0(); x < b.x1(); x++) {
                    px[y * w + x] = 1;
                }
            }
        }
        return new DetectionExample(new Image(1, h, w, px), boxes, "rectangles");
    }

    /** Three well separated rectangles of categories 1, 2, 3 on a 90 x 120 image. */
    static DetectionExample sample() {
        return rectangles(90, 120, List.of(new BoundingBox(4, 6, 34, 40, 1), new BoundingBox(50, 10, 110, 30, 2),
                new BoundingBox(60, 50, 90, 86, 3)));
    }

    /** No resampling: a pixel is bright exactly when it lies in a box (so each box is its rectangle, tight). */
    static void assertExact(String what, DetectionExample ex) {
        Image img = ex.image();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                double cx = x + 0.5;
                double cy = y + 0.5;
                boolean inBox = ex.boxes().stream().anyMatch(b -> cx > b.x0() && cx < b.x1() && cy > b.y0() && cy < b.y1());
                if (inBox != img.get(0, y, x) > 0.5f) {
                    throw new AssertionError(what + ": pixel (" + x + ", " + y + ") is " + (inBox ? "dark in" : "bright outside")
                            + " the boxes " + ex.boxes());
                }
            }
        }
        for (BoundingBox b : ex.boxes()) {
            assertTrue(b.x0() >= 0 && b.y0() >= 0 && b.x1() <= img.width() && b.y1() <= img.height() && b.area() > 0,
                    what + ": box " + b + " outside the " + img.width() + "x" + img.height() + " image or empty");
        }
    }

    /**
     * After resampling: each box's bright pixels (above 0.5) reach each of its edges within one
     * pixel, and no bright pixel lies more than a pixel outside every box.
     */
    static void assertTightWithinAPixel(String what, DetectionExample ex) {
        Image img = ex.image();
        for (BoundingBox b : ex.boxes()) {
            int x0 = Integer.MAX_VALUE;
            int y0 = Integer.MAX_VALUE;
            int x1 = Integer.MIN_VALUE;
            int y1 = Integer.MIN_VALUE;
            for (int y = Math.max(0, (int) b.y0() - 2); y < Math.min(img.height(), b.y1() + 2); y++) {
                for (int x = Math.max(0, (int) b.x0() - 2); x < Math.min(img.width(), b.x1() + 2); x++) {
                    if (img.get(0, y, x) > 0.5f) {
                        x0 = Math.min(x0, x);
                        y0 = Math.min(y0, y);
                        x1 = Math.max(x1, x + 1);
                        y1 = Math.max(y1, y + 1);
                    }
                }
            }
            String m = what + ": box " + b + " vs its bright pixels [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]";
            assertTrue(Math.abs(x0 - b.x0()) <= 1 && Math.abs(y0 - b.y0()) <= 1 && Math.abs(x1 - b.x1()) <= 1
                    && Math.abs(y1 - b.y1()) <= 1, m);
        }
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                if (img.get(0, y, x) > 0.5f) {
                    double cx = x + 0.5;
                    double cy = y + 0.5;
                    int fx = x;
                    int fy = y;
                    assertTrue(ex.boxes().stream().anyMatch(b -> cx > b.x0() - 1 && cx < b.x1() + 1 && cy > b.y0() - 1 && cy < b.y1() + 1),
                            () -> what + ": bright pixel (" + fx + ", " + fy + ") outside every box " + ex.boxes());
                }
            }
        }
    }

    @Test
    void flippingTwiceIsTheIdentityAndOnceMirrorsTheBoxes() {
        DetectionExample ex = sample();
        assertExact("original", ex);
        DetectionExample once = BoxTransforms.flip(ex);
        assertEquals(new BoundingBox(86, 6, 116, 40, 1), once.boxes().get(0));
        assertExact("flipped", once);
        DetectionExample twice = BoxTransforms.flip(once);
        assertEquals(ex.boxes(), twice.boxes());
        assertArrayEquals(ex.image().pixels(), twice.image().pixels(), 0f);
        assertEquals(ex.boxes(), BoxTransforms.horizontalFlip(0).apply(ex, new SplittableRandom(1)).boxes(), "p = 0: unchanged");
    }

    @Test
    void cropsClipBoxesAndDropTheEmptyTheDegenerateAndTheMostlyHidden() {
        DetectionExample ex = sample();
        // window x in [20, 100), y in [0, 60): box 1 keeps x 20-34 (14 of 30 columns), box 2 keeps
        // x 50-100 (50 of 60), box 3 keeps y 50-60 (10 of 36 rows)
        DetectionExample cut = BoxTransforms.crop(ex, 0, 20, 60, 80, 0);
        assertEquals(List.of(new BoundingBox(0, 6, 14, 40, 1), new BoundingBox(30, 10, 80, 30, 2), new BoundingBox(40, 50, 70, 60, 3)),
                cut.boxes());
        assertExact("crop", cut);
        DetectionExample strict = BoxTransforms.crop(ex, 0, 20, 60, 80, 0.4);
        assertEquals(List.of(1, 2), strict.boxes().stream().map(BoundingBox::category).toList(),
                "box 3 keeps 10/36 < 0.4 of its area: dropped; box 1 keeps 14/30 >= 0.4: kept");
        assertEquals(cut.boxes().subList(0, 2), strict.boxes(), "the kept boxes clipped as before (a dropped box's pixels stay)");
        // a window whose left edge is box 1's right edge (x = 34): box 1 would be a zero-width sliver
        DetectionExample edge = BoxTransforms.crop(ex, 0, 34, 90, 86, 0);
        assertTrue(edge.boxes().stream().noneMatch(b -> b.category() == 1), "degenerate box dropped: " + edge.boxes());
        assertExact("edge crop", edge);
        assertEquals(List.of(), BoxTransforms.crop(ex, 40, 0, 10, 50, 0).boxes(), "a window between the boxes holds none");
        for (int seed = 0; seed < 40; seed++) {
            assertExact("random crop, seed " + seed, BoxTransforms.randomCrop(0.3, 0).apply(ex, new SplittableRandom(seed)));
        }
    }

    @Test
    void paddingKeepsTheBoxesAndFillsBelowAndRight() {
        DetectionExample ex = sample();
        DetectionExample padded = BoxTransforms.pad(ex, 100, 128, 0f);
        assertEquals(ex.boxes(), padded.boxes());
        assertEquals(100, padded.image().height());
        assertEquals(128, padded.image().width());
        assertExact("padded", padded);
        DetectionExample gray = BoxTransforms.pad(ex, 100, 128, 0.25f);
        assertEquals(0.25f, gray.image().get(0, 95, 5));
        assertEquals(0.25f, gray.image().get(0, 5, 125));
        assertEquals(ex.image().get(0, 20, 20), gray.image().get(0, 20, 20));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BoxTransforms.pad(ex, 80, 128, 0f));
        assertTrue(e.getMessage().startsWith("cannot pad a 90x120 image to 80x128"), e.getMessage());
    }

    @Test
    void fixedSizeCropCropsWhereLargerPadsWhereSmaller() {
        DetectionExample ex = sample();                              // 90 x 120
        for (int seed = 0; seed < 40; seed++) {
            DetectionExample out = BoxTransforms.fixedSizeCrop(64, 160, 0f, 0).apply(ex, new SplittableRandom(seed));
            assertEquals(64, out.image().height());
            assertEquals(160, out.image().width());
            assertExact("fixed-size crop, seed " + seed, out);
        }
        // u = 0 puts the window at the top-left, u -> 1 at the bottom-right: the first draw decides
        DetectionExample out = BoxTransforms.fixedSizeCrop(64, 100, 0f, 0).apply(ex, new FixedDraws(0.0));
        assertEquals(BoxTransforms.crop(ex, 0, 0, 64, 100, 0).boxes(), out.boxes());
        out = BoxTransforms.fixedSizeCrop(64, 100, 0f, 0).apply(ex, new FixedDraws(1.0 - 1e-12));
        assertEquals(BoxTransforms.crop(ex, 26, 20, 64, 100, 0).boxes(), out.boxes());
    }

    @Test
    void scaleJitterMovesTheBoxesWithThePixelsAtEveryScale() {
        DetectionExample ex = sample();
        ScaleJitter lsj = new ScaleJitter(96, 96, 0.4, 2.0, Interpolation.BILINEAR, 0f, 0);
        List<Double> sides = new ArrayList<>();
        for (int seed = 0; seed < 40; seed++) {
            DetectionExample out = lsj.apply(ex, new SplittableRandom(seed));
            assertEquals(96, out.image().height());
            assertEquals(96, out.image().width());
            assertTightWithinAPixel("scale jitter, seed " + seed, out);
            out.boxes().forEach(b -> assertTrue(b.x0() >= 0 && b.y0() >= 0 && b.x1() <= 96 && b.y1() <= 96 && b.area() > 0, b.toString()));
            DetectionExample again = lsj.apply(ex, new SplittableRandom(seed));
            assertEquals(out.boxes(), again.boxes(), "deterministic for the generator");
            assertArrayEquals(out.image().pixels(), again.image().pixels(), 0f);
            sides.add(lsj.resize(ex, 0.4 + new SplittableRandom(seed).nextDouble() * 1.6).image().width() / 120.0);
        }
        assertTrue(sides.stream().anyMatch(f -> f < 0.6) && sides.stream().anyMatch(f -> f > 1.2), "shrinks and enlarges: " + sides);
        // the resize keeps the aspect ratio and fits s * target: 90 x 120 at s = 0.5 -> f = min(48/90, 48/120) = 0.4
        DetectionExample half = lsj.resize(ex, 0.5);
        assertEquals(36, half.image().height());
        assertEquals(48, half.image().width());
        BoundingBox b = half.boxes().get(0);
        assertEquals(4 * 0.4, b.x0(), 1e-9);
        assertEquals(40 * 0.4, b.y1(), 1e-9);
        // LSJ's own range reaches a tenth of the target: boxes stay inside and non-empty
        ScaleJitter tenth = ScaleJitter.lsj(128);
        for (int seed = 0; seed < 20; seed++) {
            DetectionExample out = tenth.apply(ex, new SplittableRandom(seed));
            assertEquals(128, out.image().width());
            out.boxes().forEach(x -> assertTrue(x.x0() >= 0 && x.x1() <= 128 && x.y1() <= 128 && x.area() > 0, x.toString()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScaleJitter(96, 96, 2.0, 1.0, Interpolation.BILINEAR, 0f, 0));
        assertTrue(e.getMessage().startsWith("maxScale must be"), e.getMessage());
    }

    /** A generator whose nextDouble gives a fixed value (the crop's offset draw). */
    static final class FixedDraws implements java.util.random.RandomGenerator {
        private final double value;

        FixedDraws(double value) {
            this.value = value;
        }

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double nextDouble() {
            return value;
        }
    }
}
