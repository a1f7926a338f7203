package dev.maejvm.data.decode;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Image;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Netpbm gray and colour maps, P2/P5 (PGM) and P3/P6 (PPM), of any maxval up to 65535 (two
 * big-endian bytes per sample above 255). Commons Imaging 1.0.0-alpha6 decodes 16-bit PPM to
 * wrong pixels (docs/DATA.md), so these are read here; the format is a short header and raw
 * samples. Bitmaps (P1/P4) go to Commons Imaging, which reads them right.
 */
final class PnmReader {
    private PnmReader() {}

    /** Whether this reader handles the file whose magic is {@code P<digit>}. */
    static boolean handles(byte digit) {
        return digit == '2' || digit == '3' || digit == '5' || digit == '6';
    }

    static Image read(Path file, long maxPixels) throws IOException {
        String src = file.toString();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            in.read();
            int kind = in.read() - '0';
            long w = token(in);
            long h = token(in);
            long maxval = token(in);
            if (w <= 0 || h <= 0 || maxval <= 0 || maxval > 65535) {
                throw new BadImageException(src, "bad PNM header (" + w + "x" + h + ", maxval " + maxval + ")", null);
            }
            ImageDecoder.checkPixelLimit(src, w, h, maxPixels);
            int channels = kind == 3 || kind == 6 ? 3 : 1;
            boolean ascii = kind == 2 || kind == 3;
            int plane = (int) (w * h);
            float[] px = new float[channels * plane];
            float max = maxval;
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < channels; c++) {
                    long v = ascii ? token(in) : maxval > 255 ? (u8(in) << 8) | u8(in) : u8(in);
                    px[c * plane + i] = Math.min(v, maxval) / max;
                }
            }
            return new Image(channels, (int) h, (int) w, px);
        }
    }

    private static long u8(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("truncated PNM data");
        }
        return b;
    }

    /** The next decimal number, skipping whitespace and '#' comments; consumes the one whitespace after it. */
    private static long token(InputStream in) throws IOException {
        int b = in.read();
        while (b >= 0 && (Character.isWhitespace(b) || b == '#')) {
            if (b == '#') {
                while (b >= 0 && b != '\n' && b != '\r') {
                    b = in.read();
                }
            }
            b = in.read();
        }
        if (b < '0' || b > '9') {
            throw new EOFException(b < 0 ? "truncated PNM file" : "bad PNM header: unexpected '" + (char) b + "'");
        }
        long v = 0;
        while (b >= '0' && b <= '9') {
            v = v * 10 + (b - '0');
            if (v > Integer.MAX_VALUE) {
                throw new IOException("bad PNM header: number too large");
            }
            b = in.read();
        }
        return v;
    }
}
