package dev.maejvm.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Image;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Transforms with exact expected outputs on small inputs. */
class TransformsTest {
    /** PIL computes in double and stores float32 between passes, as we do: only float rounding differs. */
    static final float PIL_TOLERANCE = 2e-6f;
    static final Image IMG = new Image(1, 2, 3, new float[] {1, 2, 3, 4, 5, 6});

    @Test
    void flipMirrorsEveryRowAndProbabilityZeroKeeps() {
        Image f = Transforms.horizontalFlip(1.0).apply(IMG, new SplittableRandom(0));
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, f.pixels());
        assertArrayEquals(IMG.pixels(), Transforms.horizontalFlip(0.0).apply(IMG, new SplittableRandom(0)).pixels());
    }

    @Test
    void normaliseSubtractsMeanAndDividesByStdPerChannel() {
        Image two = new Image(2, 1, 2, new float[] {1, 2, 3, 4});
        Image n = Transforms.normalize(new float[] {1, 3}, new float[] {0.5f, 2}).apply(two, null);
        assertArrayEquals(new float[] {0, 2, 0, 0.5f}, n.pixels());
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new float[] {0}, new float[] {0}));
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
    void resamplingIsPilsAntialiasedFilter() {
        assertArrayEquals(IMG.pixels(), Interpolation.BICUBIC.resize(IMG, 2, 3).pixels(), 1e-6f, "same grid: identity");
        // 1x4 -> 1x2 bilinear: the triangle stretched to support 2, weights renormalised inside the image
        Image row = new Image(1, 1, 4, new float[] {0, 1, 2, 3});
        assertArrayEquals(new float[] {1.25f / 1.75f, 4f / 1.75f}, Interpolation.BILINEAR.resize(row, 1, 2).pixels(), 1e-6f);
    }

    @Test
    void resamplingMatchesPilGoldenValues() throws IOException {
        float[] px = new float[5 * 7];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) ((i * 0.37) % 1);
        }
        Image src = new Image(1, 5, 7, px);
        String golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/pil_resize.txt")) {
            golden = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        int cases = 0;
        for (String line : golden.strip().split("\n")) {
            String[] f = line.split(" ");
            int h = Integer.parseInt(f[1]);
            int w = Integer.parseInt(f[2]);
            double left = Double.parseDouble(f[3]);
            double top = Double.parseDouble(f[4]);
            double right = Double.parseDouble(f[5]);
            double bottom = Double.parseDouble(f[6]);
            Interpolation interp = f[0].startsWith("bicubic") ? Interpolation.BICUBIC : Interpolation.BILINEAR;
            Image ours = interp.resample(src, top, left, bottom - top, right - left, h, w);
            float worst = 0;
            int at = 0;
            for (int i = 0; i < h * w; i++) {
                float d = Math.abs(ours.pixels()[i] - Float.parseFloat(f[7 + i]));
                if (d > worst) {
                    worst = d;
                    at = i;
                }
            }
            assertTrue(worst <= PIL_TOLERANCE, f[0] + ": worst at (" + at / w + ", " + at % w + "): ours " + ours.pixels()[at]
                    + ", PIL " + f[7 + at]);
            cases++;
        }
        assertEquals(4, cases);
    }

    @Test
    void resizeShorterSideThenCenterCropAsTorchvision() {
        float[] px = new float[4 * 6];
        for (int i = 0; i < px.length; i++) {
            px[i] = i;
        }
        Image img = new Image(1, 4, 6, px);
        Image r = Transforms.resize(2, Interpolation.BILINEAR).apply(img, null);
        assertEquals(2, r.height());
        assertEquals(3, r.width());
        // centre crop of 4x6 to 2: top = round(1) = 1, left = round(2) = 2
        assertArrayEquals(new float[] {8, 9, 14, 15}, Transforms.centerCrop(2).apply(img, null).pixels());
        // 2x3 to 2: left = round(0.5) = 0 (half to even, as Python's round)
        assertArrayEquals(new float[] {1, 2, 4, 5}, Transforms.centerCrop(2).apply(IMG, null).pixels());
        assertArrayEquals(new float[] {1, 2, 4, 5}, Transforms.resizeCenterCrop(2, Interpolation.BICUBIC).apply(IMG, null).pixels(), 1e-6f);
    }

    @Test
    void randomResizedCropBoxesStayInTheirScaleAndRatioRanges() {
        RandomResizedCrop mae = RandomResizedCrop.mae(16);
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            int[] b = mae.box(120, 90, rng);
            double share = (double) b[2] * b[3] / (120 * 90);
            double ratio = (double) b[3] / b[2];
            assertTrue(b[0] >= 0 && b[1] >= 0 && b[0] + b[2] <= 120 && b[1] + b[3] <= 90, "inside: " + java.util.Arrays.toString(b));
            // rounding w and h to integers moves the share and ratio a little: 3 % for these sizes
            assertTrue(share >= 0.2 * 0.97 && share <= 1.0001, "share " + share);
            assertTrue(ratio >= 0.75 * 0.97 && ratio <= 4.0 / 3 * 1.03, "ratio " + ratio);
        }
        float[] px = new float[32 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = i;
        }
        Image big = new Image(1, 32, 32, px);
        // scale 1 and ratio 1: the whole image, resized
        Image whole = new RandomResizedCrop(8, 1, 1, 1, 1, Interpolation.BILINEAR).apply(big, new SplittableRandom(1));
        assertArrayEquals(Interpolation.BILINEAR.resize(big, 8, 8).pixels(), whole.pixels());
        // the crop is the integer box of box(), resized: the same seed gives the same pixels
        int[] b = mae.box(32, 32, new SplittableRandom(7));
        Image expected = Interpolation.BICUBIC.resize(Transforms.crop(big, b[0], b[1], b[2], b[3]), 16, 16);
        assertArrayEquals(expected.pixels(), mae.apply(big, new SplittableRandom(7)).pixels());
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(8, 0.5, 0.2, 1, 1, Interpolation.BICUBIC));
    }
}
