package dev.maejvm.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Image;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Fine-tuning augmentations: RandAugment's ops, random erasing, mixup and cutmix, with exact outputs. */
class AugmentTest {
    static final Image ROW = new Image(1, 1, 4, new float[] {0.1f, 0.3f, 0.5f, 0.9f});

    @Test
    void pixelOpsGiveExactValues() {
        assertArrayEquals(new float[] {0.9f, 0.7f, 0.5f, 0.1f}, RandAugment.Op.INVERT.apply(ROW, 0, new SplittableRandom(0)).pixels(), 1e-6f);
        // autocontrast: (v - 0.1) / 0.8
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 1}, Ops.autoContrast(ROW).pixels(), 1e-6f);
        // posterize to 1 bit: level >= 128 -> 128
        assertArrayEquals(new float[] {0, 0, 128 / 255f, 128 / 255f}, Ops.posterize(ROW, 1).pixels(), 1e-6f);
        // solarize at level 0.5: threshold 128/255; values at or above it are inverted
        assertArrayEquals(new float[] {0.1f, 0.3f, 0.5f, 0.1f}, RandAugment.Op.SOLARIZE.apply(ROW, 0.5, new SplittableRandom(0)).pixels(), 1e-6f);
        // brightness: factor 1 + 0.9 level (sign +) or 1 - 0.9 level, clipped
        Image b = RandAugment.Op.BRIGHTNESS.apply(ROW, 1, new SplittableRandom(0));
        boolean up = b.pixels()[0] > 0.1f;
        float factor = up ? 1.9f : 0.1f;
        for (int i = 0; i < 4; i++) {
            assertEquals(Math.min(1, ROW.pixels()[i] * factor), b.pixels()[i], 1e-6f);
        }
        // contrast blends with the mean (0.45)
        Image c = Ops.blend(Ops.gray(ROW, true), ROW, 0.5);
        assertArrayEquals(new float[] {0.275f, 0.375f, 0.475f, 0.675f}, c.pixels(), 1e-6f);
    }

    @Test
    void geometricOpsMoveWholePixelsExactly() {
        Image sq = new Image(1, 2, 2, new float[] {0.1f, 0.2f, 0.3f, 0.4f});
        // translate by one column: output x reads input x + 1; outside is gray 0.5
        assertArrayEquals(new float[] {0.2f, 0.5f, 0.4f, 0.5f}, Ops.affine(sq, new double[] {1, 0, 1, 0, 1, 0}).pixels(), 1e-6f);
        // rotating by 180 degrees about the centre turns the image round
        assertArrayEquals(new float[] {0.4f, 0.3f, 0.2f, 0.1f}, Ops.affine(sq, Ops.rotation(Math.PI, sq)).pixels(), 1e-6f);
    }

    @Test
    void randAugmentIsDeterministicPerSeedAndKeepsTheShape() {
        float[] px = new float[3 * 8 * 8];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i * 0.123f) % 1;
        }
        Image img = new Image(3, 8, 8, px);
        RandAugment ra = RandAugment.maeFinetune();
        int changed = 0;
        for (int seed = 0; seed < 20; seed++) {
            Image a = ra.apply(img, new SplittableRandom(seed));
            assertArrayEquals(a.pixels(), ra.apply(img, new SplittableRandom(seed)).pixels());
            assertEquals(img.pixels().length, a.pixels().length);
            for (float v : a.pixels()) {
                assertTrue(v >= 0 && v <= 1, "value " + v + " outside [0, 1]");
            }
            changed += java.util.Arrays.equals(a.pixels(), px) ? 0 : 1;
        }
        // each of 2 ops applies with p 0.5: P(unchanged) = 1/4 (more for ops that do nothing here)
        assertTrue(changed >= 8, "changed " + changed + " of 20");
    }

    @Test
    void randomErasingFillsExactlyItsRectangle() {
        Image ones = new Image(2, 4, 5, filled(2 * 4 * 5, 1));
        RandomErasing er = new RandomErasing(1, 0.02, 0.33, 0.3, 3.3, RandomErasing.Mode.CONST);
        Image out = er.erase(ones, 1, 2, 2, 3, new SplittableRandom(0));
        int zeros = 0;
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    boolean inside = y >= 1 && y < 3 && x >= 2 && x < 5;
                    assertEquals(inside ? 0 : 1, out.get(c, y, x), "channel " + c + " y " + y + " x " + x);
                    zeros += inside ? 1 : 0;
                }
            }
        }
        assertEquals(12, zeros);
        Image big = new Image(1, 40, 40, filled(1600, 7));
        Image random = RandomErasing.maeFinetune().apply(big, new SplittableRandom(1));
        long erased = 0;
        for (float v : random.pixels()) {
            erased += v != 7 ? 1 : 0;
        }
        assertTrue(erased == 0 || (erased >= 0.02 * 1600 * 0.8 && erased <= 1600 / 3.0 * 1.1), "erased " + erased);
        assertArrayEquals(big.pixels(), new RandomErasing(0, 0.02, 0.33, 0.3, 3.3, RandomErasing.Mode.PIXEL)
                .apply(big, new SplittableRandom(1)).pixels());
    }

    @Test
    void mixupAndCutmixMixImagesAndTargetsExactly() {
        float[] x = {1, 1, 1, 1, 0, 0, 0, 0};                       // 2 samples of 1x2x2
        MixupCutmix.mixup(x, 2, 0.75);
        assertArrayEquals(new float[] {0.75f, 0.75f, 0.75f, 0.75f, 0.25f, 0.25f, 0.25f, 0.25f}, x, 1e-6f);
        float[] y = {1, 1, 1, 1, 0, 0, 0, 0};
        double lam = MixupCutmix.cutmix(y, 2, 1, 2, 2, new int[] {0, 1, 1, 2});   // the top-right pixel
        assertArrayEquals(new float[] {1, 0, 1, 1, 0, 1, 0, 0}, y);
        assertEquals(0.75, lam, 1e-12);
        MixupCutmix mc = new MixupCutmix(0.8, 1.0, 1, 0.5, 0.1, 4);
        // smoothing 0.1 over 4 classes: off 0.025, on 0.925; lam 0.75 of class 2 and 0.25 of class 0
        assertArrayEquals(new float[] {0.25f, 0.025f, 0.7f, 0.025f, 0.7f, 0.025f, 0.25f, 0.025f},
                mc.targets(new int[] {2, 0}, 0.75), 1e-6f);
        Batch batch = new Batch(Nd4j.create(new float[] {1, 1, 1, 1, 0, 0, 0, 0}, new long[] {2, 1, 2, 2}), new int[] {2, 0},
                List.of("a", "b"), 0, 0);
        MixupCutmix.Mixed m = mc.apply(batch, new SplittableRandom(3));
        assertArrayEquals(new long[] {2, 4}, m.targets().shape());
        for (int i = 0; i < 2; i++) {
            assertEquals(1.0, m.targets().getRow(i).sumNumber().doubleValue(), 1e-5, "targets of sample " + i + " sum to 1");
        }
        // sample 0 is all ones mixed with zeros: its mean is exactly the share it kept
        assertEquals(m.lambda(), m.images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).meanNumber().doubleValue(), 1e-6);
    }

    @Test
    void betaSamplesHaveTheirDistributionsMeanAndVariance() {
        SplittableRandom rng = new SplittableRandom(11);
        int n = 20000;
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double b = MixupCutmix.beta(0.8, rng);
            sum += b;
            sq += b * b;
        }
        double mean = sum / n;
        double var = sq / n - mean * mean;
        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)) = 0.0962 for a = 0.8; 5 standard errors
        assertEquals(0.5, mean, 5 * Math.sqrt(0.0962 / n));
        assertEquals(0.0962, var, 0.004);
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
