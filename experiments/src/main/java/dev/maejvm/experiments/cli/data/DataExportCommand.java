package dev.maejvm.experiments.cli.data;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import dev.maejvm.data.BadImageException;
import dev.maejvm.data.OnBadImage;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mae data export}: a dataset as PNG files, one subfolder per class (flat when unlabeled). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write any dataset (IDX, CIFAR, COCO, list file, image folder) as PNG files: one subfolder per class, or flat when unlabeled.")
public final class DataExportCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DataSourceOptions data;

    @Option(names = "--out", required = true, description = "The folder to write into.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Dataset ds = data.open();
        OnBadImage policy = data.policy();
        java.util.List<String> skipped = new java.util.ArrayList<>();
        int written = 0;
        int n = data.count(ds);
        int digits = String.valueOf(ds.size() - 1).length();
        for (int i = 0; i < n; i++) {
            Example e;
            try {
                e = ds.get(i);
            } catch (BadImageException bad) {
                if (policy == OnBadImage.FAIL) {
                    throw bad;
                }
                skipped.add(bad.getMessage());
                continue;
            }
            // a class name is a folder name: path separators become '_' (Fashion-MNIST's "T-shirt/top")
            Path dir = e.label() >= 0 ? out.resolve(ds.classNames().get(e.label()).replace('/', '_').replace('\\', '_')) : out;
            Files.createDirectories(dir);
            ImageIO.write(toBuffered(e.image()), "png", dir.resolve(String.format("%0" + digits + "d.png", i)).toFile());
            written++;
        }
        System.err.printf("wrote %d PNG files to %s%s%n", written, out, ds.numClasses() > 0 ? " (one folder per class)" : "");
        if (!skipped.isEmpty()) {
            System.err.printf("skipped %d unreadable files:%n", skipped.size());
            skipped.forEach(s -> System.err.println("  " + s));
        }
        return 0;
    }

    /** 8-bit gray or RGB, rounding to the nearest level (lossless for 8-bit sources). */
    static BufferedImage toBuffered(Image img) {
        int h = img.height();
        int w = img.width();
        int plane = h * w;
        BufferedImage b = new BufferedImage(w, h, img.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (img.channels() == 1) {
                    b.getRaster().setSample(x, y, 0, level(img.pixels()[i]));
                } else {
                    b.setRGB(x, y, level(img.pixels()[i]) << 16 | level(img.pixels()[plane + i]) << 8 | level(img.pixels()[2 * plane + i]));
                }
            }
        }
        return b;
    }

    private static int level(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
