package dev.maejvm.experiments.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.experiments.sweep.ExperimentRunner;
import dev.maejvm.experiments.sweep.StageInvocation;
import dev.maejvm.experiments.sweep.StageStatus;
import dev.maejvm.experiments.tracking.JournalRecord;
import dev.maejvm.experiments.tracking.RunJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads an experiment's results from what its runs recorded, and nothing else: each point's
 * {@code point.json}, each stage's {@code stage.json} and run journal ({@code run.jsonl}), and the
 * kNN result file. The metrics, all accuracies in percent:
 * <ul>
 *   <li>{@code pretrain.loss}: the last training loss; {@code pretrain.hours}: its wall time</li>
 *   <li>{@code finetune.top1}: the best validation top-1 over the epochs; {@code finetune.top1_last}
 *       the last one; {@code finetune.hours}</li>
 *   <li>{@code linprobe.top1}: the best validation top-1; {@code linprobe.hours}</li>
 *   <li>{@code knn.top1}: weighted k-NN top-1; {@code knn.hours}</li>
 *   <li>{@code detect.ap}: the best COCO AP@[.50:.95] over the evaluations, {@code detect.ap50} the
 *       AP50 of that evaluation, {@code detect.ap_last} the last AP; {@code detect.hours}</li>
 * </ul>
 * Hours are the sum over a stage's attempts as the journal saw them (first to last record of each
 * attempt), so a resumed stage counts its compute, not the pause. Only finished stages give numbers.
 */
public final class ResultReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultReader() {}

    /** The points of these names under {@code out} (a spec's points; other folders there are not read), in index order. */
    public static List<PointResult> read(Path out, java.util.Collection<String> names) {
        return read(out).stream().filter(p -> names.contains(p.name())).toList();
    }

    /** Every point under {@code out} (folders with a point.json), in index order. */
    public static List<PointResult> read(Path out) {
        if (!Files.isDirectory(out)) {
            throw new IllegalArgumentException(out + ": no such experiment folder (run ./mae experiment run first)");
        }
        List<Map<String, Object>> points = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(out)) {
            for (Path d : dirs.filter(p -> Files.isRegularFile(p.resolve(ExperimentRunner.POINT_FILE))).toList()) {
                Map<String, Object> m = JSON.readValue(d.resolve(ExperimentRunner.POINT_FILE).toFile(), new TypeReference<>() {});
                m.put("dir", d);
                points.add(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read experiment " + out + ": " + e.getMessage(), e);
        }
        points.sort(Comparator.comparingInt(m -> ((Number) m.get("index")).intValue()));
        List<PointResult> results = new ArrayList<>();
        for (Map<String, Object> m : points) {
            results.add(point(m));
        }
        return results;
    }

    @SuppressWarnings("unchecked")
    private static PointResult point(Map<String, Object> m) {
        Path dir = (Path) m.get("dir");
        Map<String, String> values = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("values")).forEach((k, v) -> values.put(k, String.valueOf(v)));
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, String> status = new LinkedHashMap<>();
        ((Map<String, String>) m.get("stages")).forEach((stage, rel) -> {
            Path stageDir = dir.resolve(rel).normalize();
            StageStatus st = StageStatus.read(stageDir);
            status.put(stage, st == null ? "missing" : st.status());
            if (st != null && st.finished()) {              // a failed or cut-off stage's numbers are not results
                stageMetrics(stage, stageDir, metrics);
            }
        });
        return new PointResult((String) m.get("name"), values, metrics, status);
    }

    private static void stageMetrics(String stage, Path dir, Map<String, Double> into) {
        if (stage.equals("knn")) {
            Path f = dir.resolve(StageInvocation.KNN_RESULT);
            if (Files.isRegularFile(f)) {
                try {
                    Map<String, Object> r = JSON.readValue(f.toFile(), new TypeReference<>() {});
                    into.put("knn.top1", 100 * ((Number) r.get("top1")).doubleValue());      // the file holds a fraction
                    into.put("knn.hours", ((Number) r.get("wall_s")).doubleValue() / 3600);
                } catch (IOException e) {
                    throw new UncheckedIOException("unreadable kNN result " + f + ": " + e.getMessage(), e);
                }
            }
            return;
        }
        Path journal = dir.resolve(RunJournal.FILE_NAME);
        if (!Files.isRegularFile(journal)) {
            return;
        }
        List<JournalRecord> records;
        try {
            records = RunJournal.JournalReader.read(journal);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable run journal " + journal + ": " + e.getMessage(), e);
        }
        Double last = null;
        Double best = null;
        Double loss = null;
        Map<Long, Double> ap = new LinkedHashMap<>();     // COCO AP and AP50 by the step of their evaluation
        Map<Long, Double> ap50 = new LinkedHashMap<>();
        double ms = 0;
        long attemptStart = -1;
        long attemptEnd = -1;
        for (JournalRecord r : records) {
            if ("run_start".equals(r.type())) {
                if (attemptStart >= 0) {
                    ms += attemptEnd - attemptStart;
                }
                attemptStart = r.time();
            }
            attemptEnd = r.time();
            if (!"metric".equals(r.type())) {
                continue;
            }
            if ("val_top1".equals(r.key())) {
                last = r.doubleValue();
                best = best == null ? last : Math.max(best, last);
            } else if ("loss".equals(r.key())) {
                loss = r.doubleValue();
            } else if ("AP".equals(r.key())) {
                ap.put(r.step(), r.doubleValue());
            } else if ("AP50".equals(r.key())) {
                ap50.put(r.step(), r.doubleValue());
            }
        }
        if (attemptStart >= 0) {
            ms += attemptEnd - attemptStart;
        }
        into.put(stage + ".hours", ms / 3.6e6);
        if (stage.equals("pretrain") && loss != null) {
            into.put("pretrain.loss", loss);
        }
        if (stage.equals("detect") && !ap.isEmpty()) {
            Map.Entry<Long, Double> top = null;
            Double lastAp = null;
            for (Map.Entry<Long, Double> e : ap.entrySet()) {
                if (top == null || e.getValue() > top.getValue()) {
                    top = e;
                }
                lastAp = e.getValue();
            }
            into.put("detect.ap", top.getValue());
            if (ap50.containsKey(top.getKey())) {
                into.put("detect.ap50", ap50.get(top.getKey()));
            }
            into.put("detect.ap_last", lastAp);
        }
        if (best != null) {
            into.put(stage + ".top1", best);
            if (stage.equals("finetune")) {
                into.put("finetune.top1_last", last);
            }
        }
    }
}
