package dev.maejvm.experiments.cli.bench;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.transform.Transforms;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mae bench data}: decoded and augmented images/s through the loader, with MAE's
 * pretraining transform (random resized crop, bicubic; flip; normalise). Without --dir it makes a
 * temporary folder of PNG and JPEG files (half each) of natural-image-like content.
 */
@Command(name = "data", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Measure the data loader: decoded and augmented images/s from a folder of images.")
public final class DataBenchCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "A folder of images (default: a temporary one of PNG and JPEG files).")
    Path dir;

    @Option(names = "--size", defaultValue = "224", description = "Output crop size (and the size of generated files: 1.25 x this).")
    int size;

    @Option(names = "--count", defaultValue = "256", description = "How many files to generate without --dir.")
    int count;

    @Option(names = "--workers", description = "Loader threads (default: the number of cores).")
    Integer workers;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per batch.")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the folder (the first is reported separately: cold caches).")
    int epochs;

    @Override
    public Integer call() throws Exception {
        Path folder = dir != null ? dir : generate();
        Dataset ds = Datasets.open(folder, false);
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        var transform = Transforms.toChannels(3).then(Transforms.maePretrainCrop(size)).then(Transforms.horizontalFlip(0.5))
                .then(Transforms.normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}));
        System.out.printf("%s; %d workers, batch %d, crop %d (bicubic)%n", ds.describe(), threads, batchSize, size);
        try (DataLoader loader = DataLoader.builder(ds).batchSize(batchSize).workers(threads).prefetch(2 * threads)
                .transform(transform).build()) {
            for (int e = 0; e < epochs; e++) {
                long t0 = System.nanoTime();
                long images = 0;
                for (Iterator<Batch> it = loader.epoch(e); it.hasNext(); ) {
                    images += it.next().images().size(0);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("epoch %d: %d images in %.2f s = %.1f img/s%n", e, images, s, images / s);
            }
        }
        return 0;
    }

    private Path generate() throws Exception {
        Path d = Files.createTempDirectory("mae-bench-data");
        int side = size * 5 / 4;
        Random rng = new Random(0);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            double fx = rng.nextDouble() * 0.1;
            double fy = rng.nextDouble() * 0.1;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int r = (int) (127 + 120 * Math.sin(fx * x + fy * y));
                    int g = (int) (127 + 120 * Math.cos(fy * x - fx * y));
                    int b = (x * y + rng.nextInt(32)) & 0xff;
                    img.setRGB(x, y, r << 16 | g << 8 | b);
                }
            }
            ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", d.resolve(String.format("img%04d.%s", i, i % 2 == 0 ? "png" : "jpg")).toFile());
        }
        System.out.printf("generated %d files (%dx%d, half PNG, half JPEG) in %s%n", count, side, side, d);
        return d;
    }
}
