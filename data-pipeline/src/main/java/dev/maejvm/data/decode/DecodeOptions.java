package dev.maejvm.data.decode;

/**
 * How files are decoded.
 *
 * @param maxPixels width x height above which a file is refused from its header, before any pixel
 *     is allocated (a decompression bomb); default PIL's limit, 178,956,970
 * @param alpha what becomes of an alpha channel; default {@link AlphaPolicy#DROP}
 */
public record DecodeOptions(long maxPixels, AlphaPolicy alpha) {
    /** PIL's default decompression-bomb limit (Image.MAX_IMAGE_PIXELS). */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    public DecodeOptions {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        if (alpha == null) {
            throw new IllegalArgumentException("alpha must be given (DROP, OVER_WHITE or OVER_BLACK)");
        }
    }

    public static DecodeOptions defaults() {
        return new DecodeOptions(DEFAULT_MAX_PIXELS, AlphaPolicy.DROP);
    }

    public DecodeOptions withMaxPixels(long v) {
        return new DecodeOptions(v, alpha);
    }

    public DecodeOptions withAlpha(AlphaPolicy v) {
        return new DecodeOptions(maxPixels, v);
    }
}
