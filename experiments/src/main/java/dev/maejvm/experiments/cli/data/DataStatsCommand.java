package dev.maejvm.experiments.cli.data;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import dev.maejvm.data.BadImageException;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.detection.DetectionDataset;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code mae data stats}: size, classes, image sizes and per-channel mean/std of a dataset. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Print a dataset's size, classes, image sizes and per-channel mean/std.")
public final class DataStatsCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DataSourceOptions data;

    @Override
    public Integer call() {
        Dataset ds = data.open();
        OnBadImage policy = data.policy();
        java.util.List<String> skipped = new java.util.ArrayList<>();
        int n = data.count(ds);
        TreeMap<Integer, Integer> perClass = new TreeMap<>();
        TreeMap<String, Integer> sizes = new TreeMap<>();
        double[] sum = new double[3];
        double[] sq = new double[3];
        long[] count = new long[3];
        int channels = 0;
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
            Image img = e.image();
            perClass.merge(e.label(), 1, Integer::sum);
            sizes.merge(img.channels() + "x" + img.height() + "x" + img.width(), 1, Integer::sum);
            channels = Math.max(channels, img.channels());
            int plane = img.height() * img.width();
            for (int k = 0; k < img.pixels().length; k++) {
                int c = k / plane;
                sum[c] += img.pixels()[k];
                sq[c] += img.pixels()[k] * (double) img.pixels()[k];
                count[c]++;
            }
        }
        System.out.println(ds.describe());
        System.out.printf("images examined: %d of %d%n", n, ds.size());
        System.out.println("image sizes (CxHxW: count): " + sizes);
        if (ds.numClasses() > 0) {
            perClass.forEach((label, c) -> System.out.printf("  class %-3d %-20s %d%n", label,
                    label >= 0 && label < ds.classNames().size() ? ds.classNames().get(label) : "", c));
        }
        for (int c = 0; c < channels; c++) {
            double mean = sum[c] / count[c];
            System.out.printf("channel %d: mean %.4f std %.4f (pixels in [0, 1])%n", c, mean, Math.sqrt(sq[c] / count[c] - mean * mean));
        }
        if (ds instanceof DetectionDataset det) {
            TreeMap<Integer, Integer> objects = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                if (det instanceof dev.maejvm.data.detection.CocoDataset coco) {
                    coco.boxes(i).forEach(b -> objects.merge(b.category(), 1, Integer::sum));
                }
            }
            objects.forEach((id, c) -> System.out.printf("  category %-4d %-20s %d objects%n", id, det.categories().get(id), c));
        }
        if (!skipped.isEmpty()) {
            System.out.printf("skipped %d unreadable files:%n", skipped.size());
            skipped.forEach(s -> System.out.println("  " + s));
        }
        return 0;
    }
}
