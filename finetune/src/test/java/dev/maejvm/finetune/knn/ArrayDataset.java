package dev.maejvm.finetune.knn;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Images in memory, labelled or not: oriented stripes, one orientation per class. */
final class ArrayDataset implements Dataset {
    private final List<Image> images;
    private final int[] labels;
    private final int numClasses;
    private final String name;

    ArrayDataset(String name, List<Image> images, int[] labels, int numClasses) {
        this.name = name;
        this.images = images;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    /**
     * n images h x w, gray, class i % classes (interleaved): stripes at angle pi * class / classes
     * with a random phase and a little noise. labelled false: labels -1, no classes.
     */
    static ArrayDataset stripes(String name, int n, int h, int w, int classes, long seed, boolean labelled) {
        Random rng = new Random(seed);
        List<Image> imgs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            double angle = Math.PI * c / classes;
            double fx = 1.2 * Math.cos(angle);
            double fy = 1.2 * Math.sin(angle);
            double ph = 2 * Math.PI * rng.nextDouble();
            float[] px = new float[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.45 * Math.sin(fx * x + fy * y + ph) + 0.03 * rng.nextGaussian();
                    px[y * w + x] = (float) Math.min(1, Math.max(0, v));
                }
            }
            imgs.add(new Image(1, h, w, px));
            labels[i] = labelled ? c : -1;
        }
        return new ArrayDataset(name, imgs, labels, labelled ? classes : 0);
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public Example get(int index) {
        return new Example(images.get(index), labels[index], name + "#" + index);
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            names.add("c" + i);
        }
        return names;
    }

    @Override
    public String describe() {
        return "arrays " + name + ": " + images.size() + " images" + (numClasses > 0 ? ", " + numClasses + " classes" : ", unlabeled");
    }
}
