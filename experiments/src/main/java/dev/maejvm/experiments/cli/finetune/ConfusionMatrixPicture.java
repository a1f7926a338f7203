package dev.maejvm.experiments.cli.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * A confusion matrix as a heat map (XChart): rows the true class, columns the predicted one, each
 * cell the share of the true class's images (in %), so that classes of different sizes compare.
 */
public final class ConfusionMatrixPicture {
    private ConfusionMatrixPicture() {}

    /** @param confusion [true][predicted] counts; @param classNames one per class (may be empty: indexes) */
    public static void write(long[][] confusion, List<String> classNames, String title, Path file) throws IOException {
        int k = confusion.length;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(i < classNames.size() ? classNames.get(i) : String.valueOf(i));
        }
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            long total = 0;
            for (long c : confusion[t]) {
                total += c;
            }
            for (int p = 0; p < k; p++) {
                double share = total == 0 ? 0 : 100.0 * confusion[t][p] / total;
                cells.add(new Number[] {p, k - 1 - t, Math.round(share * 10) / 10.0});   // true class 0 on top
            }
        }
        List<String> rows = new ArrayList<>(names);
        java.util.Collections.reverse(rows);
        int side = Math.max(400, 60 * k + 200);
        HeatMapChart chart = new HeatMapChartBuilder().width(side).height(side).title(title)
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(100);
        chart.addSeries("% of the true class", names, rows, cells);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
