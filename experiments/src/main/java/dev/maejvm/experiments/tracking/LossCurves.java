package dev.maejvm.experiments.tracking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** A PNG of a run's loss metrics against the step (XChart). */
final class LossCurves {
    private LossCurves() {}

    static void write(List<JournalRecord> records, Path png) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (JournalRecord r : records) {
            if ("metric".equals(r.type()) && r.key().contains("loss") && Double.isFinite(r.doubleValue())) {
                series.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(new double[] {r.step(), r.doubleValue()});
            }
        }
        if (series.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(800).height(450).title("loss").xAxisTitle("step").yAxisTitle("loss").build();
        series.forEach((key, points) -> chart.addSeries(key, points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray()).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE));
        // in memory, no ImageIO disk cache: its temp files register a shutdown hook, which fails
        // when the curves are drawn while a SIGTERM shuts the JVM down; temp name + rename, so a
        // failure never leaves a torn file
        javax.imageio.ImageIO.setUseCache(false);
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile());
        java.nio.file.Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
