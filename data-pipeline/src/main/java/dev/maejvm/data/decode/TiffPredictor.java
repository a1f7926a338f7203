package dev.maejvm.data.decode;

import java.awt.image.WritableRaster;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * 16-bit TIFF with the horizontal-differencing predictor (predictor 2; ImageMagick writes it by
 * default for 16-bit LZW and deflate). The JDK refuses it ("16-bit samples are not supported for
 * Horizontal differencing Predictor") and Commons Imaging 1.0.0-alpha6 decodes it to wrong
 * pixels (docs/DATA.md). The correction: set the predictor tag of the first IFD to 1 in a copy
 * of the bytes, let the JDK decompress the differences, then add them back up along each row here
 * (modulo 2^16, restarting at each strip row or tile row, as the TIFF 6.0 specification defines
 * the predictor).
 */
final class TiffPredictor {
    private static final int IMAGE_WIDTH = 256;
    private static final int BITS_PER_SAMPLE = 258;
    private static final int PREDICTOR = 317;
    private static final int TILE_WIDTH = 322;

    private TiffPredictor() {}

    /**
     * The file with its 16-bit predictor switched off and the run length after which the
     * differencing restarts (image or tile width), or null when the file needs no correction.
     */
    record Patched(byte[] bytes, int rowLength) {}

    static Patched patch(byte[] tiff) {
        if (tiff.length < 8) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(tiff).order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        long ifd = b.getInt(4) & 0xffffffffL;
        if (ifd + 2 > tiff.length) {
            return null;
        }
        int entries = b.getShort((int) ifd) & 0xffff;
        int predictorAt = -1;
        int predictor = 1;
        int bits = 8;
        long width = 0;
        long tileWidth = 0;
        for (int i = 0; i < entries; i++) {
            int e = (int) ifd + 2 + 12 * i;
            if (e + 12 > tiff.length) {
                return null;
            }
            int tag = b.getShort(e) & 0xffff;
            int type = b.getShort(e + 2) & 0xffff;
            long count = b.getInt(e + 4) & 0xffffffffL;
            switch (tag) {
                case PREDICTOR -> {
                    predictorAt = e + 8;
                    predictor = b.getShort(e + 8) & 0xffff;
                }
                case BITS_PER_SAMPLE -> {
                    int at = count * 2 <= 4 ? e + 8 : b.getInt(e + 8);
                    bits = at + 2 <= tiff.length ? b.getShort(at) & 0xffff : 0;
                }
                case IMAGE_WIDTH -> width = value(b, e, type);
                case TILE_WIDTH -> tileWidth = value(b, e, type);
                default -> { }
            }
        }
        if (predictor != 2 || bits != 16 || predictorAt < 0) {
            return null;
        }
        byte[] copy = tiff.clone();
        ByteBuffer.wrap(copy).order(b.order()).putShort(predictorAt, (short) 1);
        return new Patched(copy, (int) (tileWidth > 0 ? tileWidth : width));
    }

    /** Undoes the differencing in place: each sample plus its left neighbour's, within a run. */
    static void integrate(WritableRaster r, int rowLength) {
        int w = r.getWidth();
        int bands = r.getNumBands();
        int[] row = new int[w * bands];
        for (int y = 0; y < r.getHeight(); y++) {
            r.getPixels(0, y, w, 1, row);
            for (int x = 1; x < w; x++) {
                if (x % rowLength == 0) {
                    continue;
                }
                for (int k = 0; k < bands; k++) {
                    row[x * bands + k] = (row[x * bands + k] + row[(x - 1) * bands + k]) & 0xffff;
                }
            }
            r.setPixels(0, y, w, 1, row);
        }
    }

    private static long value(ByteBuffer b, int entry, int type) {
        return type == 3 ? b.getShort(entry + 8) & 0xffff : b.getInt(entry + 8) & 0xffffffffL;
    }
}
