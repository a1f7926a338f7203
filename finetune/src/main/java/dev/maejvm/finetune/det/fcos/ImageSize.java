package dev.maejvm.finetune.det.fcos;

/** An image's size in the network's input frame, before padding: detections are clipped to [0, width] x [0, height]. */
public record ImageSize(int height, int width) {
    public ImageSize {
        if (height <= 0) {
            throw new IllegalArgumentException("height must be positive, got " + height);
        }
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive, got " + width);
        }
    }
}
