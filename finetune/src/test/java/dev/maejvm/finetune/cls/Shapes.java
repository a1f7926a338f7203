package dev.maejvm.finetune.cls;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small labelled task for tests: 16 x 16 gray images of one of four shapes at a random place
 * on noise — a filled square, a horizontal bar, a vertical bar, a hollow frame — invariant to the
 * recipe's flips and mild crops. Deterministic per (seed, index).
 */
public final class Shapes implements Dataset {
    static final int SIZE = 16;
    private final int size;
    private final long seed;

    public Shapes(int size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Example get(int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003 + index);
        int label = index % 4;
        float[] px = new float[SIZE * SIZE];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (0.1 + 0.1 * r.nextDouble());
        }
        int h = label == 2 ? 10 : label == 1 ? 3 : 8;
        int w = label == 1 ? 10 : label == 2 ? 3 : 8;
        int top = 2 + r.nextInt(SIZE - 4 - h + 1);
        int left = 2 + r.nextInt(SIZE - 4 - w + 1);
        for (int y = top; y < top + h; y++) {
            for (int x = left; x < left + w; x++) {
                boolean edge = y == top || y == top + h - 1 || x == left || x == left + w - 1;
                if (label != 3 || edge) {
                    px[y * SIZE + x] = 0.9f;
                }
            }
        }
        return new Example(new Image(1, SIZE, SIZE, px), label, "shapes#" + index);
    }

    @Override
    public int numClasses() {
        return 4;
    }

    @Override
    public List<String> classNames() {
        return List.of("square", "hbar", "vbar", "frame");
    }

    @Override
    public String describe() {
        return "synthetic shapes (" + size + " images, 4 classes)";
    }
}
