package dev.maejvm.data.detection.scenes;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A scene's pixels, 8-bit gray, {@code canvas[y * size + x]}: background levels uniform in
 * [0, noise], then each item drawn as the per-pixel maximum of the canvas and the item (Fashion-MNIST
 * items are bright on black, so an item's black margin leaves the background as it is and an
 * overlap shows both items).
 */
public final class SceneRenderer {
    private SceneRenderer() {}

    public static int[] render(int size, int noise, List<Placement> placements, RandomGenerator rng) {
        int[] canvas = new int[size * size];
        if (noise > 0) {
            for (int i = 0; i < canvas.length; i++) {
                canvas[i] = rng.nextInt(noise + 1);
            }
        }
        for (Placement p : placements) {
            ScaledItem it = p.item();
            int s = it.side();
            for (int y = Math.max(0, -p.top()); y < s && p.top() + y < size; y++) {
                int row = (p.top() + y) * size + p.left();
                for (int x = Math.max(0, -p.left()); x < s && p.left() + x < size; x++) {
                    canvas[row + x] = Math.max(canvas[row + x], it.levels()[y * s + x]);
                }
            }
        }
        return canvas;
    }
}
