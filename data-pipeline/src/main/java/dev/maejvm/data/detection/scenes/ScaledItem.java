package dev.maejvm.data.detection.scenes;

import dev.maejvm.data.Image;
import dev.maejvm.data.transform.Interpolation;

/**
 * One Fashion-MNIST item resized for a scene, as 8-bit levels ({@code levels[y * side + x]}, 0 =
 * black), with the tight box of its visible pixels: those brighter than {@code threshold} (the
 * background's brightest level, so the box holds exactly the item's pixels that stand out from any
 * background). The box is in the item's own pixels, xyxy, ends exclusive.
 *
 * @param side the resized item's side, pixels: round(28 * scale)
 * @param category the item's Fashion-MNIST label, 0-9
 * @param source the item's index in its Fashion-MNIST set
 */
public record ScaledItem(int side, int[] levels, int boxX0, int boxY0, int boxX1, int boxY1, int category, int source) {
    /**
     * Resizes a square 1-channel item by {@code scale} (PIL-style bilinear, antialiased when
     * shrinking), rounds to 8 bits and finds the box of its levels above {@code threshold};
     * null when no level is above it (a blank item).
     */
    public static ScaledItem of(Image item, double scale, int threshold, int category, int source) {
        if (item.channels() != 1 || item.height() != item.width()) {
            throw new IllegalArgumentException("an item must be square and gray, got " + item.channels() + "x" + item.height()
                    + "x" + item.width() + " (" + source + ")");
        }
        int side = (int) Math.max(1, Math.round(item.width() * scale));
        Image resized = side == item.width() ? item : Interpolation.BILINEAR.resize(item, side, side);
        int[] levels = new int[side * side];
        int x0 = side;
        int y0 = side;
        int x1 = 0;
        int y1 = 0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int v = Math.max(0, Math.min(255, Math.round(resized.pixels()[y * side + x] * 255)));
                levels[y * side + x] = v;
                if (v > threshold) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x + 1);
                    y1 = Math.max(y1, y + 1);
                }
            }
        }
        return x1 == 0 ? null : new ScaledItem(side, levels, x0, y0, x1, y1, category, source);
    }

    public int boxWidth() {
        return boxX1 - boxX0;
    }

    public int boxHeight() {
        return boxY1 - boxY0;
    }
}
