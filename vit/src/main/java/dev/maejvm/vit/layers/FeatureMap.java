package dev.maejvm.vit.layers;

/**
 * The spatial shape of a channels-last feature map held as rows: a map [N, H, W, C] (torch's
 * [N, C, H, W] with the channels moved last) is the array [N*H*W, C], rows ordered (n, y, x).
 * The rows alone do not say (n, h, w), so every layer that looks across pixels
 * ({@link SpatialLayer}: {@link Conv2d}, {@link ConvTranspose2d}, {@link MaxPool2d},
 * {@link GroupNorm}, {@link WindowPartition}) is handed one alongside its input, and says the
 * shape of its output with {@link SpatialLayer#outShape}. Row-wise layers ({@link Linear} as a
 * 1x1 convolution, {@link LayerNorm} over channels, {@link ReLU}, {@link Gelu}) need none.
 *
 * @param n samples
 * @param h rows of each map
 * @param w columns of each map
 */
public record FeatureMap(int n, int h, int w) {
    public FeatureMap {
        if (n < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("a feature map needs n, h, w >= 1, got " + n + ", " + h + ", " + w);
        }
    }

    /** N*H*W: the rows of the map's array. */
    public int rows() {
        return Math.multiplyExact(n, Math.multiplyExact(h, w));
    }

    /** H*W: the rows of one sample. */
    public int pixels() {
        return h * w;
    }

    /** The row of pixel (y, x) of sample s. */
    public int row(int s, int y, int x) {
        return (s * h + y) * w + x;
    }

    @Override
    public String toString() {
        return "[" + n + ", " + h + ", " + w + "]";
    }
}
