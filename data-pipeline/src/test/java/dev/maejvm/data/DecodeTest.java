package dev.maejvm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maejvm.data.decode.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files made by ImageMagick (installed by .ci/setup), decoded here and compared pixel by pixel
 * with ImageMagick's own decoding to raw 8-bit samples. Tolerances: 1 level of 255 for lossless
 * formats; for JPEG the IDCTs may differ: at most 8 levels and a mean under 1.
 */
class DecodeTest {
    static final Path CONVERT = Path.of("/usr/bin/convert");
    static final double LOSSLESS = 1.0 / 255 + 1e-6;
    static final double JPEG_MAX = 8.0 / 255;
    static final double JPEG_MEAN = 1.0 / 255;

    @TempDir
    Path dir;

    static void magick(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(CONVERT.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new java.io.File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "convert " + String.join(" ", args) + ": " + out);
    }

    /** ImageMagick's decoding as raw channel-interleaved bytes. */
    static byte[] reference(Path file, boolean gray) throws IOException, InterruptedException {
        Path raw = file.resolveSibling(file.getFileName() + ".raw");
        magick(file.toString(), "-depth", "8", (gray ? "gray:" : "rgb:") + raw);
        return Files.readAllBytes(raw);
    }

    /** A test picture with gradients and edges, so that every pixel differs. */
    Path make(String name, String... extra) throws IOException, InterruptedException {
        Path f = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("-size", "37x23", "gradient:red-blue", "(", "-size", "37x23",
                "radial-gradient:white-black", ")", "-compose", "multiply", "-composite"));
        args.addAll(List.of(extra));
        args.add(f.toString());
        magick(args.toArray(String[]::new));
        return f;
    }

    static double[] compare(Image img, byte[] ref) {
        int c = img.channels();
        int plane = img.height() * img.width();
        assertEquals(ref.length, c * plane, "sample count");
        double max = 0;
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < c; k++) {
                double d = Math.abs(img.pixels()[k * plane + i] - (ref[i * c + k] & 0xff) / 255.0);
                max = Math.max(max, d);
                sum += d;
            }
        }
        return new double[] {max, sum / ref.length};
    }

    void check(Path f, boolean gray, int channels, double maxTol, double meanTol) throws Exception {
        Image img = new ImageDecoder().decode(f);
        assertEquals(channels, img.channels(), f + " channels");
        assertEquals(23, img.height());
        assertEquals(37, img.width());
        double[] d = compare(img, reference(f, gray));
        assertTrue(d[0] <= maxTol && d[1] <= meanTol, f.getFileName() + ": max diff " + d[0] * 255 + " levels, mean "
                + d[1] * 255 + " (tolerance " + maxTol * 255 + " / " + meanTol * 255 + ")");
    }

    @Test
    void losslessFormatsMatchImageMagickWithinOneLevel() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        check(make("rgb.png"), false, 3, LOSSLESS, LOSSLESS);
        check(make("gray.png", "-colorspace", "Gray"), true, 1, LOSSLESS, LOSSLESS);
        check(make("palette.png", "-colors", "64", "-type", "Palette"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgba.png", "-alpha", "set", "-channel", "A", "-evaluate", "set", "50%"), false, 3, LOSSLESS, LOSSLESS);
        check(make("deep.png", "-depth", "16"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgb.bmp"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgb16.tif", "-depth", "16", "-compress", "none"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgb8lzw.tif", "-depth", "8", "-compress", "lzw"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgb8.tif", "-depth", "8", "-compress", "zip"), false, 3, LOSSLESS, LOSSLESS);
        check(make("rgb.gif"), false, 3, LOSSLESS, LOSSLESS);
        check(make("gray.pgm", "-colorspace", "Gray", "-depth", "8"), true, 1, LOSSLESS, LOSSLESS);
    }

    @Test
    void pngWithAGammaChunkIsNotDarkened() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        // ImageMagick writes gAMA 0.45455 by default; Commons Imaging would apply it (FACTS.md)
        Path f = make("gamma.png", "-define", "png:include-chunk=gAMA", "-gamma", "1.0");
        check(f, false, 3, LOSSLESS, LOSSLESS);
    }

    @Test
    void baselineAndProgressiveJpegMatchImageMagick() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        check(make("baseline.jpg", "-quality", "95"), false, 3, JPEG_MAX, JPEG_MEAN);
        check(make("progressive.jpg", "-quality", "95", "-interlace", "Plane"), false, 3, JPEG_MAX, JPEG_MEAN);
        check(make("gray.jpg", "-colorspace", "Gray", "-quality", "95"), true, 1, JPEG_MAX, JPEG_MEAN);
    }

    @Test
    void exifOrientationTurnsThePictureUprightAsAutoOrientDoes() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        Path stored = make("stored.jpg", "-quality", "95");
        String[] names = {"TopLeft", "TopRight", "BottomRight", "BottomLeft", "LeftTop", "RightTop", "RightBottom", "LeftBottom"};
        for (int o = 1; o <= 8; o++) {
            Path f = dir.resolve("orient" + o + ".jpg");
            magick(stored.toString(), "-orient", names[o - 1], f.toString());
            Path upright = dir.resolve("upright" + o + ".png");
            magick(f.toString(), "-auto-orient", upright.toString());      // ImageMagick's reading, losslessly kept
            Image ours = new ImageDecoder().decode(f);
            Image theirs = new ImageDecoder().decode(upright);
            assertEquals(theirs.height(), ours.height(), "orientation " + o + " height");
            assertEquals(theirs.width(), ours.width(), "orientation " + o + " width");
            double max = 0;
            for (int i = 0; i < ours.pixels().length; i++) {
                max = Math.max(max, Math.abs(ours.pixels()[i] - theirs.pixels()[i]));
            }
            assertTrue(max <= JPEG_MAX, "orientation " + o + ": max diff " + max * 255 + " levels");
        }
    }

    @Test
    void aListFileNamesImagesRelativeToItselfWithOptionalLabels() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        make("a.png");
        Files.createDirectories(dir.resolve("sub"));
        Path b = make("b.png", "-colorspace", "Gray");
        Files.move(b, dir.resolve("sub/b.png"));
        Path list = Files.writeString(dir.resolve("train.txt"), "# images\na.png 3\n\nsub/b.png 0\n");
        Dataset ds = dev.maejvm.data.source.Datasets.open(list, true);
        assertEquals(2, ds.size());
        assertEquals(4, ds.numClasses());
        assertEquals(3, ds.get(0).label());
        assertEquals(1, ds.get(1).image().channels());
        Path mixed = Files.writeString(dir.resolve("mixed.txt"), "a.png 1\nsub/b.png\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dev.maejvm.data.source.Datasets.open(mixed, true));
        assertTrue(e.getMessage().startsWith(mixed + ":2:"), e.getMessage());
        Path missing = Files.writeString(dir.resolve("missing.txt"), "nowhere.png\n");
        BadImageException bad = assertThrows(BadImageException.class, () -> dev.maejvm.data.source.Datasets.open(missing, false).get(0));
        assertTrue(bad.getMessage().contains("nowhere.png"), bad.getMessage());
    }

    @Test
    void sixteenBitPredictorTiffIsAClearErrorNotWrongPixels() throws Exception {
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        // the JDK refuses 16-bit LZW with the horizontal predictor and Commons Imaging decodes it
        // wrongly (FACTS.md): an error that names the file, never silently wrong pixels
        Path f = make("rgb16lzw.tif", "-depth", "16", "-compress", "lzw", "-define", "tiff:predictor=2");
        BadImageException e = assertThrows(BadImageException.class, () -> new ImageDecoder().decode(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("Predictor"), e.getMessage());
    }

    @Test
    void badFilesAreErrorsThatNameTheFile() throws Exception {
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        BadImageException e = assertThrows(BadImageException.class, () -> new ImageDecoder().decode(empty));
        assertTrue(e.getMessage().startsWith(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.jpg"), "this is not an image");
        e = assertThrows(BadImageException.class, () -> new ImageDecoder().decode(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        assumeTrue(Files.isExecutable(CONVERT), "ImageMagick is installed by .ci/setup");
        Path good = make("whole.png");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.png"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        e = assertThrows(BadImageException.class, () -> new ImageDecoder().decode(truncated));
        assertTrue(e.getMessage().startsWith(truncated.toString()), e.getMessage());
        // a decompression bomb: dimensions over the limit are refused from the header
        e = assertThrows(BadImageException.class, () -> new ImageDecoder(500).decode(good));
        assertTrue(e.getMessage().contains("37x23") && e.getMessage().contains("decompression bomb"), e.getMessage());
    }
}
