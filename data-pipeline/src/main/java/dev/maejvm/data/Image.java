package dev.maejvm.data;

/**
 * A decoded image, channels first: {@code pixels[c * H * W + y * W + x]}, values in [0, 1] before
 * normalisation.
 */
public record Image(int channels, int height, int width, float[] pixels) {
    public Image {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + channels + "x" + height + "x" + width);
        }
        if (pixels.length != (long) channels * height * width) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " values, expected " + channels + "*" + height + "*" + width);
        }
    }

    public float get(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }
}
