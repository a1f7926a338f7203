package dev.maejvm.finetune.det.fcos;

/**
 * One pyramid level as the head sees it: its stride in input pixels and its map size. Its
 * locations are the centres {@code ((x + 0.5) * stride, (y + 0.5) * stride)} of its h x w cells
 * (see {@link AnchorPoints}).
 */
public record FeatureLevel(int stride, int height, int width) {
    public FeatureLevel {
        if (stride <= 0) {
            throw new IllegalArgumentException("stride must be positive, got " + stride);
        }
        if (height <= 0) {
            throw new IllegalArgumentException("height must be positive, got " + height);
        }
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive, got " + width);
        }
    }

    /** h * w, the locations of one image at this level. */
    public int size() {
        return height * width;
    }
}
