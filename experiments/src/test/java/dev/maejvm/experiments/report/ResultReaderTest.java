package dev.maejvm.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from recorded runs alone: hand-written point files and journals in, the table out. */
class ResultReaderTest {
    @TempDir
    Path out;

    private void point(int index, String ratio, long seed, double ftTop1Best, double ftTop1Last, double knnTop1) throws IOException {
        String name = String.format("p%02d-maskRatio=%s-seed=%d", index, ratio, seed);
        Path p = out.resolve(name);
        Files.createDirectories(p.resolve("pretrain"));
        Files.createDirectories(p.resolve("finetune"));
        Files.createDirectories(p.resolve("knn"));
        Files.writeString(p.resolve("point.json"), """
                {"name": "%s", "index": %d, "values": {"pretrain.maskRatio": "%s", "seed": "%d"},
                 "stages": {"pretrain": "pretrain", "finetune": "finetune", "knn": "knn"}}
                """.formatted(name, index, ratio, seed));
        for (String s : List.of("pretrain", "finetune", "knn")) {
            Files.writeString(p.resolve(s).resolve("stage.json"),
                    "{\"stage\":\"" + s + "\",\"status\":\"finished\",\"exitCode\":0,\"seconds\":1,\"message\":\"\",\"args\":[]}");
        }
        // two sittings of 1 h and 0.5 h, with a pause between them that must not count
        Files.writeString(p.resolve("pretrain").resolve("run.jsonl"), String.join("\n",
                rec(1, "run_start", 0, null, null), rec(2, "metric", 3_600_000L, "loss", 0.9),
                rec(3, "run_start", 10_000_000L, null, null), rec(4, "metric", 11_800_000L, "loss", 0.5)) + "\n");
        Files.writeString(p.resolve("finetune").resolve("run.jsonl"), String.join("\n",
                rec(1, "run_start", 0, null, null), rec(2, "metric", 1000, "val_top1", ftTop1Best),
                rec(3, "metric", 7_200_000L, "val_top1", ftTop1Last)) + "\n");
        Files.writeString(p.resolve("knn").resolve("knn.json"), "{\"top1\": " + knnTop1 + ", \"wall_s\": 360}");
    }

    private static String rec(long seq, String type, long time, String key, Double value) {
        return "{\"seq\":" + seq + ",\"type\":\"" + type + "\",\"time\":" + time + ",\"runId\":\"r\""
                + (key == null ? "" : ",\"key\":\"" + key + "\",\"value\":" + value + ",\"step\":" + seq) + "}";
    }

    @Test
    void theTableHasARowPerSettingWithTheSeedsPooled() throws IOException {
        point(0, "0.5", 0, 90.0, 89.0, 0.70);
        point(1, "0.5", 1, 92.0, 91.5, 0.72);
        point(2, "0.75", 0, 93.0, 93.0, 0.80);
        List<PointResult> points = ResultReader.read(out);
        assertEquals(3, points.size());
        PointResult p0 = points.get(0);
        assertEquals(90.0, p0.metrics().get("finetune.top1"), "the best epoch");
        assertEquals(89.0, p0.metrics().get("finetune.top1_last"));
        assertEquals(70.0, p0.metrics().get("knn.top1"), 1e-9, "knn.json holds a fraction; the report percent");
        assertEquals(0.5, p0.metrics().get("pretrain.loss"), "the last loss");
        assertEquals(1.5, p0.metrics().get("pretrain.hours"), 1e-9, "two sittings, not the pause");
        assertEquals(2.0, p0.metrics().get("finetune.hours"), 1e-9);

        ResultsTable t = ResultsTable.of(points);
        assertEquals(List.of("pretrain.maskRatio"), t.axes());
        assertEquals(2, t.rows().size());
        String md = t.markdown();
        assertTrue(md.contains("| 0.5 | 2 | 91.00 ± 1.41 |"), md);           // mean 91, sample std sqrt(2)
        assertTrue(md.contains("| 0.75 | 1 | 93.00 |"), md);
        String csv = t.csv();
        assertTrue(csv.startsWith("pretrain.maskRatio,finetune.top1.mean,finetune.top1.std,finetune.top1.n,"), csv);
        assertTrue(csv.contains("\n0.5,91.0,1.4142135623730951,2,"), csv);

        List<Path> plots = ResultsPlots.write(t, out.resolve("report"));
        assertEquals(List.of(out.resolve("report").resolve("pretrain.maskRatio.png")), plots);
        assertTrue(Files.size(plots.get(0)) > 1000);
    }

    @Test
    void unfinishedStagesAreListedAndGiveNoNumbers() throws IOException {
        point(0, "0.5", 0, 90.0, 89.0, 0.70);
        Files.delete(out.resolve("p00-maskRatio=0.5-seed=0/knn/stage.json"));
        List<PointResult> points = ResultReader.read(out);
        assertTrue(!points.get(0).metrics().containsKey("knn.top1"), "a stage that did not finish gives no result");
        String md = ResultsTable.of(points).markdown();
        assertTrue(md.contains("not finished: p00-maskRatio=0.5-seed=0 knn missing"), md);
    }

    @Test
    void onlyTheSpecsPointsAreRead() throws IOException {
        point(0, "0.5", 0, 90.0, 89.0, 0.70);
        point(1, "0.75", 0, 93.0, 93.0, 0.80);
        assertEquals(List.of("p01-maskRatio=0.75-seed=0"),
                ResultReader.read(out, List.of("p01-maskRatio=0.75-seed=0")).stream().map(PointResult::name).toList());
    }

    @Test
    void detectionGivesTheBestEvaluationsAPWithItsAP50AndTheLastAP() throws IOException {
        Path p = out.resolve("p00-init=scratch-seed=0");
        Files.createDirectories(p.resolve("detect"));
        Files.writeString(p.resolve("point.json"), """
                {"name": "p00-init=scratch-seed=0", "index": 0, "values": {"detect.init": "scratch", "seed": "0"},
                 "stages": {"detect": "detect"}}
                """);
        Files.writeString(p.resolve("detect").resolve("stage.json"),
                "{\"stage\":\"detect\",\"status\":\"finished\",\"exitCode\":0,\"seconds\":1,\"message\":\"\",\"args\":[]}");
        Files.writeString(p.resolve("detect").resolve("run.jsonl"), String.join("\n",
                rec(1, "run_start", 0, null, null),
                metric(2, 1000, "AP", 20.0, 250), metric(3, 1000, "AP50", 41.0, 250),
                metric(4, 2000, "AP", 31.5, 500), metric(5, 2000, "AP50", 49.5, 500),
                metric(6, 1_800_000L, "AP", 30.0, 750), metric(7, 1_800_000L, "AP50", 50.0, 750)) + "\n");
        PointResult r = ResultReader.read(out).get(0);
        assertEquals(31.5, r.metrics().get("detect.ap"), "the best AP");
        assertEquals(49.5, r.metrics().get("detect.ap50"), "the AP50 of the same evaluation, not the best AP50");
        assertEquals(30.0, r.metrics().get("detect.ap_last"));
        assertEquals(0.5, r.metrics().get("detect.hours"), 1e-12);
        String md = ResultsTable.of(List.of(r)).markdown();
        assertTrue(md.contains("| detect.init | seeds | detection AP | detection AP50 | detection last-epoch AP |"), md);
        assertTrue(md.contains("| scratch | 1 | 31.50 |"), md);
    }

    private static String metric(long seq, long time, String key, double value, long step) {
        return "{\"seq\":" + seq + ",\"type\":\"metric\",\"time\":" + time + ",\"runId\":\"r\",\"key\":\"" + key
                + "\",\"value\":" + value + ",\"step\":" + step + "}";
    }
}
