package dev.maejvm.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Transforms with exact expected outputs on small inputs. */
class TransformsTest {
    static final Image IMG = new Image(1, 2, 3, new float[] {1, 2, 3, 4, 5, 6});

    @Test
    void flipMirrorsEveryRowAndProbabilityZeroKeeps() {
        Image f = Transforms.horizontalFlip(1.0).apply(IMG, new SplittableRandom(0));
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, f.pixels());
        assertArrayEquals(IMG.pixels(), Transforms.horizontalFlip(0.0).apply(IMG, new SplittableRandom(0)).pixels());
    }

    @Test
    void normaliseSubtractsMeanAndDividesByStd() {
        Image n = Transforms.normalize(new float[] {2}, new float[] {0.5f}).apply(IMG, new SplittableRandom(0));
        assertArrayEquals(new float[] {-2, 0, 2, 4, 6, 8}, n.pixels());
    }

    @Test
    void lumaAndGrayToRgbAreExact() {
        Image rgb = new Image(3, 1, 1, new float[] {1, 0.5f, 0.25f});
        Image g = Transforms.toChannels(1).apply(rgb, null);
        assertEquals(0.299f + 0.587f * 0.5f + 0.114f * 0.25f, g.pixels()[0], 1e-7f);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6},
                Transforms.toChannels(3).apply(IMG, null).pixels());
    }

    @Test
    void resamplingToTheSameGridIsTheIdentityAndBilinearHalvesExactly() {
        assertArrayEquals(IMG.pixels(), Interpolation.BICUBIC.resample(IMG, 0, 0, 2, 3, 2, 3).pixels(), 1e-6f);
        // 2x2 -> 1x1 samples the centre: the mean of the four
        Image sq = new Image(1, 2, 2, new float[] {0, 1, 2, 3});
        assertEquals(1.5f, Interpolation.BILINEAR.resample(sq, 0, 0, 2, 2, 1, 1).pixels()[0], 1e-6f);
        // centre crop of a 2x3 image to 2x2 keeps the middle... shorter side 2: columns 0.5..2.5
        Image c = Transforms.resizeCenterCrop(2, Interpolation.BILINEAR).apply(IMG, null);
        assertArrayEquals(new float[] {1.5f, 2.5f, 4.5f, 5.5f}, c.pixels(), 1e-6f);
    }

    @Test
    void randomResizedCropStaysInScaleAndIsDeterministicPerSeed() {
        float[] px = new float[32 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = i;
        }
        Image big = new Image(1, 32, 32, px);
        var t = Transforms.randomResizedCrop(8, 1.0, 1.0, 1.0, 1.0, Interpolation.BILINEAR);
        // scale 1 and ratio 1: the whole image, resampled
        Image whole = t.apply(big, new SplittableRandom(1));
        assertArrayEquals(Interpolation.BILINEAR.resample(big, 0, 0, 32, 32, 8, 8).pixels(), whole.pixels());
        var mae = Transforms.maePretrainCrop(16);
        assertArrayEquals(mae.apply(big, new SplittableRandom(7)).pixels(), mae.apply(big, new SplittableRandom(7)).pixels());
        assertTrue(!java.util.Arrays.equals(mae.apply(big, new SplittableRandom(7)).pixels(),
                mae.apply(big, new SplittableRandom(8)).pixels()));
    }
}
