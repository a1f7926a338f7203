package dev.maejvm.data.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maejvm.data.Image;
import dev.maejvm.data.Magick;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format and variant the pipeline promises, made by ImageMagick, decoded by
 * {@link ImageDecoder} and compared pixel by pixel with ImageMagick's own decoding (an
 * independent decoder: libpng, libjpeg-turbo, libtiff, its own BMP/GIF/PNM readers).
 */
class DecodeTest {
    /** Lossless formats: within one 8-bit level (the reference is rounded to 8 bits). */
    static final Tolerance LOSSLESS = new Tolerance(1.0 / 255 + 1e-6, 1.0 / 255 + 1e-6);
    /**
     * JPEG: the JDK's libjpeg 6b and ImageMagick's libjpeg-turbo use different IDCTs and chroma
     * upsampling: at most 8 levels anywhere and under 1 level on average (measured: up to 3 / 0.5).
     */
    static final Tolerance JPEG = new Tolerance(8.0 / 255, 1.0 / 255);

    record Tolerance(double max, double mean) {}

    /**
     * @param make convert options that make the file from the test picture
     * @param reference convert options ImageMagick applies when reading it as the reference
     */
    record Case(String file, List<String> make, int channels, List<String> reference, Tolerance tol) {
        Case(String file, int channels, Tolerance tol, String... make) {
            this(file, List.of(make), channels, List.of(), tol);
        }

        @Override
        public String toString() {
            return file + " " + String.join(" ", make);
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("rgb.png", 3, LOSSLESS),
                new Case("no-gama.png", 3, LOSSLESS, "-define", "png:exclude-chunks=gAMA,cHRM,sRGB"),
                new Case("gama-1.png", 3, LOSSLESS, "-define", "png:include-chunk=gAMA", "-gamma", "1.0"),
                new Case("gama-045.png", 3, LOSSLESS, "-define", "png:include-chunk=gAMA"),
                new Case("gray.png", 1, LOSSLESS, "-colorspace", "Gray"),
                new Case("gray16.png", 1, LOSSLESS, "-colorspace", "Gray", "-depth", "16"),
                new Case("gray-alpha.png", 1, LOSSLESS, "-colorspace", "Gray", "-alpha", "set", "-channel", "A",
                        "-evaluate", "set", "50%", "+channel"),
                new Case("rgb16.png", 3, LOSSLESS, "-depth", "16"),
                new Case("rgba.png", 3, LOSSLESS, "-alpha", "set", "-channel", "A", "-evaluate", "set", "50%"),
                new Case("rgba16.png", 3, LOSSLESS, "-alpha", "set", "-channel", "A", "-evaluate", "set", "30%", "+channel",
                        "-depth", "16"),
                new Case("palette.png", 3, LOSSLESS, "-colors", "64", "-type", "Palette"),
                new Case("palette-alpha.png", 3, LOSSLESS, "-colors", "64", "-alpha", "set", "-channel", "A", "-fx",
                        "i<10?0:1", "+channel", "-type", "PaletteAlpha"),
                new Case("interlaced.png", 3, LOSSLESS, "-interlace", "PNG"),
                new Case("baseline.jpg", 3, JPEG, "-quality", "95"),
                new Case("subsampled.jpg", 3, JPEG, "-quality", "90", "-sampling-factor", "2x2"),
                new Case("progressive.jpg", 3, JPEG, "-quality", "95", "-interlace", "Plane"),
                new Case("gray.jpg", 1, JPEG, "-colorspace", "Gray", "-quality", "95"),
                new Case("progressive-gray.jpg", 1, JPEG, "-colorspace", "Gray", "-quality", "95", "-interlace", "Plane"),
                new Case("cmyk.jpg", 3, JPEG, "-colorspace", "CMYK", "-quality", "95"),
                new Case("rgb.bmp", 3, LOSSLESS),
                new Case("palette.bmp", 3, LOSSLESS, "-colors", "200", "-type", "Palette"),
                new Case("rgb.gif", 3, LOSSLESS),
                new Case("rgb8.tif", 3, LOSSLESS, "-depth", "8", "-compress", "none"),
                new Case("rgb8-lzw.tif", 3, LOSSLESS, "-depth", "8", "-compress", "lzw"),
                new Case("rgb8-deflate.tif", 3, LOSSLESS, "-depth", "8", "-compress", "zip"),
                new Case("gray8.tif", 1, LOSSLESS, "-colorspace", "Gray", "-depth", "8", "-compress", "lzw"),
                new Case("rgb16.tif", 3, LOSSLESS, "-depth", "16", "-compress", "none"),
                new Case("rgb16-lzw-predictor.tif", 3, LOSSLESS, "-depth", "16", "-compress", "lzw", "-define",
                        "tiff:predictor=2"),
                new Case("rgb16-deflate.tif", 3, LOSSLESS, "-depth", "16", "-compress", "zip"),
                new Case("gray16-lzw.tif", 1, LOSSLESS, "-colorspace", "Gray", "-depth", "16", "-compress", "lzw"),
                new Case("tiled16.tif", 3, LOSSLESS, "-depth", "16", "-compress", "zip", "-define", "tiff:tile-geometry=16x16"),
                new Case("rgb8.ppm", 3, LOSSLESS, "-depth", "8"),
                new Case("rgb16.ppm", 3, LOSSLESS, "-depth", "16"),
                new Case("gray8.pgm", 1, LOSSLESS, "-colorspace", "Gray", "-depth", "8"),
                new Case("gray16.pgm", 1, LOSSLESS, "-colorspace", "Gray", "-depth", "16"),
                new Case("ascii.ppm", 3, LOSSLESS, "-compress", "none"),
                new Case("bitmap.pbm", 1, LOSSLESS, "-threshold", "50%"));
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesLikeImageMagick(Case c) throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        Path f = Magick.picture(dir.resolve(c.file()), c.make());
        Image img = new ImageDecoder().decode(f);
        assertEquals(c.channels(), img.channels(), c.file() + ": channels");
        assertEquals(23, img.height(), c.file() + ": height");
        assertEquals(37, img.width(), c.file() + ": width");
        assertMatches(c.file(), img, Magick.decode(f.toString(), c.channels() == 1, c.reference(), dir), c.tol());
    }

    static Stream<Case> alphaCases() {
        List<String> half = List.of("-alpha", "set", "-channel", "A", "-fx", "i/w", "+channel");
        return Stream.of(new Case("over-white.png", half, 3, List.of("-background", "white", "-alpha", "remove"), LOSSLESS),
                new Case("over-black.png", half, 3, List.of("-background", "black", "-alpha", "remove"), LOSSLESS),
                new Case("dropped.png", half, 3, List.of("-alpha", "off"), LOSSLESS));
    }

    /** Alpha composited onto white or black, or dropped, as ImageMagick's -alpha remove / off does. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("alphaCases")
    void alphaIsCompositedOrDroppedAsStated(Case c) throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        AlphaPolicy policy = c.file().startsWith("over-white") ? AlphaPolicy.OVER_WHITE
                : c.file().startsWith("over-black") ? AlphaPolicy.OVER_BLACK : AlphaPolicy.DROP;
        Path f = Magick.picture(dir.resolve(c.file()), c.make());
        Image img = new ImageDecoder(DecodeOptions.defaults().withAlpha(policy)).decode(f);
        assertMatches(c.file(), img, Magick.decode(f.toString(), false, c.reference(), dir), c.tol());
    }

    /**
     * ImageMagick writes no orientation into a JPEG that has no EXIF block, so the JPEG cases get
     * one spliced in here (Exif.withOrientation); TIFF carries the tag that -orient sets.
     */
    @ParameterizedTest(name = "orientation {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void exifOrientationTurnsThePictureUprightAsAutoOrientDoes(int orientation) throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        String[] names = {"TopLeft", "TopRight", "BottomRight", "BottomLeft", "LeftTop", "RightTop", "RightBottom", "LeftBottom"};
        Path stored = Magick.picture(dir.resolve("stored" + orientation + ".jpg"), List.of("-quality", "95"));
        Path jpg = java.nio.file.Files.write(dir.resolve("orient" + orientation + ".jpg"),
                Exif.withOrientation(java.nio.file.Files.readAllBytes(stored), orientation));
        Path tif = Magick.picture(dir.resolve("orient" + orientation + ".tif"), List.of("-orient", names[orientation - 1]));
        for (Path f : List.of(jpg, tif)) {
            Image img = new ImageDecoder().decode(f);
            assertEquals(orientation >= 5 ? 37 : 23, img.height(), f.getFileName() + ": height");
            assertMatches(f.getFileName().toString(), img, Magick.decode(f.toString(), false, List.of("-auto-orient"), dir),
                    f == jpg ? JPEG : LOSSLESS);
        }
    }

    @org.junit.jupiter.api.Test
    void theFirstFrameOfAnAnimatedGif() throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        Path first = Magick.picture(dir.resolve("first.png"), List.of());
        Path gif = dir.resolve("anim.gif");
        Magick.convert(first.toString(), "(", first.toString(), "-negate", ")", "(", first.toString(), "-flop", ")",
                "-loop", "0", gif.toString());
        Image img = new ImageDecoder().decode(gif);
        assertMatches("anim.gif", img, Magick.decode(gif + "[0]", false, List.of(), dir), LOSSLESS);
    }

    /** Fails naming the worst sample: its channel, row and column, both values and the tolerance. */
    static void assertMatches(String what, Image img, byte[] ref, Tolerance tol) {
        int c = img.channels();
        int plane = img.height() * img.width();
        assertEquals(ref.length, c * plane, what + ": sample count");
        double worst = -1;
        int worstAt = 0;
        int worstC = 0;
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < c; k++) {
                double d = Math.abs(img.pixels()[k * plane + i] - (ref[i * c + k] & 0xff) / 255.0);
                sum += d;
                if (d > worst) {
                    worst = d;
                    worstAt = i;
                    worstC = k;
                }
            }
        }
        double mean = sum / ref.length;
        int y = worstAt / img.width();
        int x = worstAt % img.width();
        assertTrue(worst <= tol.max() && mean <= tol.mean(), String.format(
                "%s: worst at channel %d (y %d, x %d): ours %.1f, ImageMagick %d levels (diff %.2f, max %.2f allowed); "
                        + "mean diff %.3f levels (%.3f allowed)", what, worstC, y, x, img.pixels()[worstC * plane + worstAt] * 255,
                ref[worstAt * c + worstC] & 0xff, worst * 255, tol.max() * 255, mean * 255, tol.mean() * 255));
    }
}
