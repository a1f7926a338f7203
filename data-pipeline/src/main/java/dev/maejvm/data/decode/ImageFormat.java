package dev.maejvm.data.decode;

/**
 * An image file's format, recognised from its first bytes (never from its name, so a PNG saved
 * as {@code .jpg} still decodes as a PNG).
 */
public enum ImageFormat {
    JPEG, PNG, GIF, BMP, TIFF, PNM, WEBP, UNKNOWN;

    /** Bytes {@link #sniff} needs at most. */
    public static final int HEAD = 12;

    /** @param head the file's first bytes (fewer than {@link #HEAD} when the file is shorter) */
    public static ImageFormat sniff(byte[] head, int n) {
        if (n >= 3 && u(head[0]) == 0xFF && u(head[1]) == 0xD8 && u(head[2]) == 0xFF) {
            return JPEG;
        }
        if (n >= 8 && u(head[0]) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return PNG;
        }
        if (n >= 4 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8') {
            return GIF;
        }
        if (n >= 2 && head[0] == 'B' && head[1] == 'M') {
            return BMP;
        }
        if (n >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0)
                || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42))) {
            return TIFF;
        }
        if (n >= 2 && head[0] == 'P' && head[1] >= '1' && head[1] <= '6') {
            return PNM;
        }
        if (n >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
                && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
            return WEBP;
        }
        return UNKNOWN;
    }

    /** Whether EXIF orientation applies (JPEG and TIFF carry it). */
    public boolean hasExifOrientation() {
        return this == JPEG || this == TIFF;
    }

    private static int u(byte b) {
        return b & 0xff;
    }
}
