package dev.maejvm.experiments.cli.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.finetune.det.CategoryMap;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.DetectionData;
import dev.maejvm.finetune.det.DetectionEvaluator;
import dev.maejvm.finetune.det.DetectionPicture;
import dev.maejvm.finetune.det.DetectorCheckpoint;
import dev.maejvm.finetune.det.eval.CocoGroundTruth;
import dev.maejvm.finetune.det.eval.CocoGroundTruthJson;
import dev.maejvm.finetune.det.eval.CocoResultsJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mae detect eval}: COCO bbox AP of a detection checkpoint on a labelled COCO set: the 12
 * numbers as the COCO evaluation tool prints them, and with {@code --out} the detections in COCO's
 * results format ({@code results.json}: image_id, category_id, bbox [x, y, w, h], score), the
 * numbers ({@code result.json}) and a picture of predicted and true boxes.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"COCO bbox AP (the 12 numbers of the COCO evaluation tool) of a ./mae detect train checkpoint.",
            "Without --data: the generated scenes' test split (runs/scenes)."})
public final class DetectEvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./mae detect train (checkpoint-best or -last).")
    Path checkpoint;

    @Option(names = "--data", description = "COCO annotations JSON of the images to evaluate on. Default: runs/scenes' test split.")
    Path data;

    @Option(names = "--out", description = "Folder for results.json (COCO results), result.json and detections.png. Default: print only.")
    Path out;

    @Option(names = "--workers", description = "Data loader threads. Default: the number of cores.")
    Integer workers;

    @Option(names = "--picture-score", defaultValue = "0.5", description = "Lowest score drawn in detections.png. Default: ${DEFAULT-VALUE}.")
    double pictureScore;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--checkpoint " + checkpoint + ": no such file");
        }
        Path json = data != null ? data : DetectData.DEFAULT_SCENES.resolve("annotations").resolve("instances_test.json");
        CocoDataset set = DetectData.open(json, "--data");
        DetectorCheckpoint.Loaded loaded = DetectorCheckpoint.load(checkpoint);
        DetectConfig cfg = loaded.config();
        CategoryMap categories = CategoryMap.of(set.categories());
        categories.requireMatches(cfg.categories(), cfg.numClasses(), "--data " + json);
        CocoGroundTruth truth = CocoGroundTruthJson.read(json);
        float[] mean = loaded.info().mean();
        float[] std = loaded.info().std();
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        DetectionEvaluator.Result r;
        try (DataLoader loader = DetectionData.evaluationLoader(set, cfg, mean, std, threads)) {
            r = DetectionEvaluator.evaluate(loaded.model(), set, truth, loader, categories);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(r.summary().table());
        System.err.printf("mae detect eval: %s on %s: %d images, %d detections, %.1f s (%.1f img/s)%n", checkpoint, json,
                set.size(), r.detections().size(), seconds, set.size() / seconds);
        if (out != null) {
            Files.createDirectories(out);
            CocoResultsJson.write(out.resolve("results.json"), r.detections());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint", checkpoint.toAbsolutePath().toString());
            m.put("data", json.toAbsolutePath().toString());
            m.put("images", set.size());
            m.putAll(r.metrics());
            m.put("wall_s", seconds);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("result.json").toFile(), m);
            DetectionPicture.write(DetectionPicture.render(r.firstBatch().images(),
                    r.firstBatch().boxes().stream().map(categories::toIndices).toList(), r.firstPredictions(), categories.names(),
                    mean, std, 3, 4, pictureScore), out.resolve("detections.png"));
            System.err.printf("  wrote %s, %s, %s%n", out.resolve("results.json"), out.resolve("result.json"),
                    out.resolve("detections.png"));
        }
        return 0;
    }
}
