package dev.maejvm.data.decode;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Magick;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input is a BadImageException whose message starts with the file and says what is wrong. */
class BadImageTest {
    @TempDir
    Path dir;

    static BadImageException refused(Path f, DecodeOptions options, String... words) {
        BadImageException e = assertThrows(BadImageException.class, () -> new ImageDecoder(options).decode(f), f + " was decoded");
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), "names the file: " + e.getMessage());
        assertTrue(e.source().equals(f.toString()), e.source());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "says '" + w + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void emptyMissingJunkAndUnsupportedFiles() throws Exception {
        DecodeOptions d = DecodeOptions.defaults();
        refused(Files.write(dir.resolve("empty.png"), new byte[0]), d, "empty file");
        refused(dir.resolve("missing.png"), d, "cannot read");
        refused(Files.writeString(dir.resolve("junk.jpg"), "this is not an image"), d, "unrecognised", "74686973");
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        refused(Files.write(dir.resolve("photo.webp"), webp), d, "WebP is not supported");
        // a PNG signature and nothing after it
        refused(Files.write(dir.resolve("sig.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}), d);
    }

    @Test
    void truncatedFilesOfEveryFormat() throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        for (String name : List.of("t.png", "t.jpg", "t.gif", "t.bmp", "t.tif", "t.ppm")) {
            Path whole = Magick.picture(dir.resolve(name), List.of());
            byte[] b = Files.readAllBytes(whole);
            Path cut = Files.write(dir.resolve("cut-" + name), Arrays.copyOf(b, b.length * 2 / 3));
            refused(cut, DecodeOptions.defaults());
        }
    }

    /** A real PNG whose IHDR (with a valid CRC) claims w x h: any decoder that trusted it would allocate that. */
    static byte[] pngClaiming(byte[] png, int w, int h) {
        byte[] b = png.clone();
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.putInt(16, w).putInt(20, h);          // IHDR data starts at 16: width, height
        CRC32 crc = new CRC32();
        crc.update(b, 12, 4 + 13);                // chunk type + data
        buf.putInt(29, (int) crc.getValue());
        return b;
    }

    @Test
    void decompressionBombsAreRefusedFromTheHeaderBeforeAllocating() throws Exception {
        assumeTrue(Magick.installed(), "ImageMagick is installed by .ci/setup");
        byte[] png = Files.readAllBytes(Magick.picture(dir.resolve("small.png"), List.of()));
        // 60000 x 60000 = 3.6 G pixels: 43 GB as floats; the 2 GB test heap would die if it were allocated
        Path bomb = Files.write(dir.resolve("bomb.png"), pngClaiming(png, 60000, 60000));
        refused(bomb, DecodeOptions.defaults(), "60000x60000", "exceeds the limit of 178956970", "decompression bomb");
        Path pnm = Files.writeString(dir.resolve("bomb.ppm"), "P6\n70000 70000\n255\n");
        refused(pnm, DecodeOptions.defaults(), "70000x70000", "decompression bomb");
        // the limit is configurable: a small one refuses an ordinary 37x23 JPEG and GIF
        for (String name : List.of("small.jpg", "small.gif")) {
            Path f = Magick.picture(dir.resolve(name), List.of());
            refused(f, DecodeOptions.defaults().withMaxPixels(500), "37x23", "exceeds the limit of 500");
        }
    }
}
