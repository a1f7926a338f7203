package dev.maejvm.data.decode;

import dev.maejvm.data.Image;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * A decoded {@link BufferedImage} as channels-first floats in [0, 1], the stored sample values
 * without colour management (as ImageMagick's {@code rgb:} output and PIL give them: an embedded
 * ICC profile is not applied). Gray stays 1 channel (8 or 16 bits), colour becomes 3; CMYK
 * becomes RGB by the naive formula that ImageMagick and PIL use, {@code R = (1 - C)(1 - K)};
 * alpha follows the {@link AlphaPolicy}.
 */
final class Pixels {
    private Pixels() {}

    static Image of(BufferedImage img, AlphaPolicy alpha) {
        ColorModel cm = img.getColorModel();
        int type = cm.getColorSpace().getType();
        if (cm instanceof ComponentColorModel) {
            if (type == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
                return components(img.getRaster(), cm, 1, alpha);
            }
            if (type == ColorSpace.TYPE_CMYK && cm.getNumColorComponents() == 4) {
                return cmyk(img.getRaster(), cm);
            }
            if (type == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
                return components(img.getRaster(), cm, 3, alpha);
            }
        }
        return argb(img, alpha);
    }

    /** Samples straight from the raster: band k / (2^bits - 1), alpha (if any) the band after the colours. */
    private static Image components(Raster r, ColorModel cm, int colours, AlphaPolicy alpha) {
        int w = r.getWidth();
        int h = r.getHeight();
        int plane = w * h;
        float[] px = new float[colours * plane];
        boolean hasAlpha = cm.hasAlpha() && r.getNumBands() > colours;
        float alphaMax = hasAlpha ? (float) ((1L << cm.getComponentSize(colours)) - 1) : 1;
        int[] row = new int[w * r.getNumBands()];
        for (int y = 0; y < h; y++) {
            r.getPixels(0, y, w, 1, row);
            for (int c = 0; c < colours; c++) {
                float max = (float) ((1L << cm.getComponentSize(c)) - 1);
                int bands = r.getNumBands();
                for (int x = 0; x < w; x++) {
                    float v = row[x * bands + c] / max;
                    if (hasAlpha) {
                        v = alpha.apply(v, row[x * bands + colours] / alphaMax);
                    }
                    px[c * plane + y * w + x] = v;
                }
            }
        }
        return new Image(colours, h, w, px);
    }

    private static Image cmyk(Raster r, ColorModel cm) {
        int w = r.getWidth();
        int h = r.getHeight();
        int plane = w * h;
        float max = (float) ((1L << cm.getComponentSize(0)) - 1);
        float[] px = new float[3 * plane];
        int[] row = new int[4 * w];
        for (int y = 0; y < h; y++) {
            r.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                float k = 1 - row[4 * x + 3] / max;
                for (int c = 0; c < 3; c++) {
                    px[c * plane + y * w + x] = (1 - row[4 * x + c] / max) * k;
                }
            }
        }
        return new Image(3, h, w, px);
    }

    /** Palette and packed images: through the colour model's 8-bit sRGB (they have no deeper samples). */
    private static Image argb(BufferedImage img, AlphaPolicy alpha) {
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        boolean hasAlpha = img.getColorModel().hasAlpha();
        float[] px = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            float a = hasAlpha ? (p >>> 24) / 255f : 1;
            px[i] = alpha.apply(((p >> 16) & 0xff) / 255f, a);
            px[plane + i] = alpha.apply(((p >> 8) & 0xff) / 255f, a);
            px[2 * plane + i] = alpha.apply((p & 0xff) / 255f, a);
        }
        return new Image(3, h, w, px);
    }
}
