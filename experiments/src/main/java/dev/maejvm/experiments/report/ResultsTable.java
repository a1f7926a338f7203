package dev.maejvm.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An experiment's results as a table: one row per setting of the axes (the seeds of a setting
 * pooled into mean and spread), one column per metric. Markdown for docs (mean ± sample standard
 * deviation, the spread shown with two seeds or more) and CSV for tools (mean, std and n apart).
 */
public final class ResultsTable {
    /** The metrics in the order the columns show them, with their headings. */
    static final Map<String, String> METRICS = metrics();

    /** @param values the axis values of the row (without the seed); @param cells per metric, the values over seeds */
    public record Row(Map<String, String> values, Map<String, List<Double>> cells, List<String> failed) {}

    private final List<String> axes;
    private final List<Row> rows;

    private ResultsTable(List<String> axes, List<Row> rows) {
        this.axes = axes;
        this.rows = rows;
    }

    private static Map<String, String> metrics() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("finetune.top1", "fine-tune top-1 %");
        m.put("finetune.top1_last", "fine-tune last-epoch top-1 %");
        m.put("linprobe.top1", "linear probe top-1 %");
        m.put("knn.top1", "kNN top-1 %");
        m.put("detect.ap", "detection AP");
        m.put("detect.ap50", "detection AP50");
        m.put("detect.ap_last", "detection last-epoch AP");
        m.put("pretrain.loss", "pretrain loss");
        m.put("pretrain.hours", "pretrain h");
        m.put("finetune.hours", "fine-tune h");
        m.put("linprobe.hours", "probe h");
        m.put("knn.hours", "kNN h");
        m.put("detect.hours", "detect h");
        return m;
    }

    public static ResultsTable of(List<PointResult> points) {
        List<String> axes = new ArrayList<>();
        if (!points.isEmpty()) {
            points.get(0).values().keySet().stream().filter(k -> !k.equals("seed")).forEach(axes::add);
        }
        Map<Map<String, String>, Row> rows = new LinkedHashMap<>();
        for (PointResult p : points) {
            Map<String, String> key = new LinkedHashMap<>(p.values());
            key.remove("seed");
            Row row = rows.computeIfAbsent(key, k -> new Row(k, new LinkedHashMap<>(), new ArrayList<>()));
            p.metrics().forEach((m, v) -> row.cells().computeIfAbsent(m, x -> new ArrayList<>()).add(v));
            p.status().forEach((stage, st) -> {
                if (!st.equals("finished")) {
                    row.failed().add(p.name() + " " + stage + " " + st);
                }
            });
        }
        return new ResultsTable(axes, List.copyOf(rows.values()));
    }

    public List<String> axes() {
        return axes;
    }

    public List<Row> rows() {
        return rows;
    }

    /** The metrics some point has, in column order. */
    public List<String> columns() {
        return METRICS.keySet().stream().filter(m -> rows.stream().anyMatch(r -> r.cells().containsKey(m))).toList();
    }

    public String markdown() {
        List<String> cols = columns();
        StringBuilder sb = new StringBuilder("|");
        axes.forEach(a -> sb.append(' ').append(a).append(" |"));
        sb.append(" seeds |");
        cols.forEach(c -> sb.append(' ').append(METRICS.get(c)).append(" |"));
        sb.append("\n|");
        sb.append("---|".repeat(axes.size() + 1 + cols.size())).append('\n');
        for (Row r : rows) {
            sb.append('|');
            axes.forEach(a -> sb.append(' ').append(r.values().get(a)).append(" |"));
            sb.append(' ').append(seeds(r)).append(" |");
            for (String c : cols) {
                List<Double> v = r.cells().get(c);
                sb.append(' ').append(v == null ? "–" : format(c, v)).append(" |");
            }
            sb.append('\n');
        }
        rows.stream().flatMap(r -> r.failed().stream()).forEach(f -> sb.append("\nnot finished: ").append(f));
        return sb.toString();
    }

    public String csv() {
        List<String> cols = columns();
        StringBuilder sb = new StringBuilder(String.join(",", axes));
        for (String c : cols) {
            sb.append(axes.isEmpty() && sb.isEmpty() ? "" : ",").append(c).append(".mean,").append(c).append(".std,").append(c).append(".n");
        }
        sb.append('\n');
        for (Row r : rows) {
            List<String> cells = new ArrayList<>();
            axes.forEach(a -> cells.add(r.values().get(a)));
            for (String c : cols) {
                List<Double> v = r.cells().get(c);
                cells.add(v == null ? "" : Double.toString(mean(v)));
                cells.add(v == null || v.size() < 2 ? "" : Double.toString(std(v)));
                cells.add(v == null ? "0" : Integer.toString(v.size()));
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static int seeds(Row r) {
        return r.cells().values().stream().mapToInt(List::size).max().orElse(0);
    }

    private static String format(String metric, List<Double> v) {
        String pattern = metric.endsWith(".hours") ? "%.2f" : metric.endsWith(".loss") ? "%.4f" : "%.2f";
        String m = String.format(Locale.ROOT, pattern, mean(v));
        return v.size() < 2 ? m : m + " ± " + String.format(Locale.ROOT, pattern, std(v));
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** The sample standard deviation (n - 1). */
    static double std(List<Double> v) {
        double m = mean(v);
        double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
        return Math.sqrt(ss / (v.size() - 1));
    }
}
