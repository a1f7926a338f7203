package dev.maejvm.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * The accuracy plots of an experiment, in the manner of the paper's figures: for each axis, the
 * top-1 of each evaluation (fine-tune, linear probe, kNN) and the detection AP against the axis's values, with error
 * bars of one standard deviation over seeds. A numeric axis is a line plot (Fig. 5's mask ratio),
 * any other a bar chart (Table 1's ablations). With several axes, each plot has a series per
 * setting of the other axes.
 */
public final class ResultsPlots {
    private static final List<String> ACCURACIES = List.of("finetune.top1", "linprobe.top1", "knn.top1", "detect.ap");

    private ResultsPlots() {}

    /** Writes {@code <axis>.png} for each axis into dir; returns the files written. */
    public static List<Path> write(ResultsTable table, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (String axis : table.axes()) {
            Chart<?, ?> chart = numeric(table, axis) ? line(table, axis) : bars(table, axis);
            Path f = dir.resolve(axis.replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
            Path tmp = dir.resolve(f.getFileName() + ".tmp");
            javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile());
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            files.add(f);
        }
        return files;
    }

    /** Series name -> (axis value -> the values over seeds), for each accuracy that was measured. */
    private static Map<String, Map<String, List<Double>>> series(ResultsTable table, String axis) {
        Map<String, Map<String, List<Double>>> s = new LinkedHashMap<>();
        for (String metric : ACCURACIES) {
            for (ResultsTable.Row r : table.rows()) {
                List<Double> v = r.cells().get(metric);
                if (v == null) {
                    continue;
                }
                StringBuilder name = new StringBuilder(ResultsTable.METRICS.get(metric).replace(" top-1 %", ""));
                r.values().forEach((a, val) -> {
                    if (!a.equals(axis)) {
                        name.append(", ").append(a).append('=').append(val);
                    }
                });
                s.computeIfAbsent(name.toString(), k -> new LinkedHashMap<>()).put(r.values().get(axis), v);
            }
        }
        return s;
    }

    /** What the y axis shows: top-1, detection AP, or both. */
    private static String measure(ResultsTable table) {
        List<String> cols = table.columns();
        boolean top1 = cols.stream().anyMatch(c -> c.endsWith(".top1"));
        boolean ap = cols.contains("detect.ap");
        return top1 && ap ? "top-1 / AP" : ap ? "AP" : "top-1";
    }

    private static boolean numeric(ResultsTable table, String axis) {
        for (ResultsTable.Row r : table.rows()) {
            try {
                Double.parseDouble(r.values().get(axis));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static XYChart line(ResultsTable table, String axis) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(measure(table) + " against " + axis).xAxisTitle(axis)
                .yAxisTitle(measure(table) + " (%)").build();
        series(table, axis).forEach((name, points) -> {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            points.entrySet().stream().sorted(Map.Entry.comparingByKey((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b))))
                    .forEach(e -> {
                        x.add(Double.parseDouble(e.getKey()));
                        y.add(ResultsTable.mean(e.getValue()));
                        err.add(e.getValue().size() < 2 ? 0.0 : ResultsTable.std(e.getValue()));
                    });
            chart.addSeries(name, x, y, err);
        });
        return chart;
    }

    private static CategoryChart bars(ResultsTable table, String axis) {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title(measure(table) + " by " + axis).xAxisTitle(axis)
                .yAxisTitle(measure(table) + " (%)").build();
        List<String> categories = table.rows().stream().map(r -> r.values().get(axis)).distinct().toList();
        series(table, axis).forEach((name, points) -> {
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (String c : categories) {
                List<Double> v = points.get(c);
                y.add(v == null ? 0.0 : ResultsTable.mean(v));
                err.add(v == null || v.size() < 2 ? 0.0 : ResultsTable.std(v));
            }
            chart.addSeries(name, categories, y, err);
        });
        return chart;
    }
}
