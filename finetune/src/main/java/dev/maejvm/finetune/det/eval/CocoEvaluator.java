package dev.maejvm.finetune.det.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * COCO bounding-box evaluation, as pycocotools' {@code COCOeval(gt, dt, 'bbox')} with
 * {@code evaluate(); accumulate(); summarize()} and the default parameters: every ground-truth
 * image and category is evaluated; detections are per image and category, highest score first,
 * at most 100. Unlike pycocotools, a detection for an image or category the ground truth lacks
 * is an error rather than dropped or asserted.
 */
public final class CocoEvaluator {
    private CocoEvaluator() {
    }

    /** The twelve COCO numbers and the per-category AP. */
    public static CocoSummary evaluate(CocoGroundTruth gt, List<Detection> dets) {
        return Summarizer.summarize(accumulate(gt, dets));
    }

    /** The twelve numbers for a COCO annotations file and a COCO results file ({@link CocoGroundTruthJson}, {@link CocoResultsJson}). */
    public static CocoSummary evaluate(Path groundTruthJson, Path resultsJson) {
        return evaluate(CocoGroundTruthJson.read(groundTruthJson), CocoResultsJson.read(resultsJson));
    }

    /** The precision and recall tables the summary is read from (cocoeval's {@code eval}). */
    public static Accumulation accumulate(CocoGroundTruth gt, List<Detection> dets) {
        return Accumulator.accumulate(evaluateImages(gt, dets), List.copyOf(gt.categories().keySet()), CocoThresholds.iou(),
                CocoThresholds.recall(), CocoThresholds.MAX_DETS);
    }

    /**
     * cocoeval's {@code evalImgs}, {@code [category][area range][image]} with categories and images
     * ascending by id, null where an image has neither ground truth nor detection of a category.
     */
    public static ImageEvaluation[][][] evaluateImages(CocoGroundTruth gt, List<Detection> dets) {
        Map<Long, Map<Integer, List<Detection>>> byImageAndCategory = new HashMap<>();
        for (int i = 0; i < dets.size(); i++) {
            Detection d = dets.get(i);
            gt.requireKnown(d, i);
            byImageAndCategory.computeIfAbsent(d.imageId(), k -> new HashMap<>())
                    .computeIfAbsent(d.categoryId(), k -> new ArrayList<>()).add(d);
        }
        List<Integer> categories = List.copyOf(gt.categories().keySet());
        List<Long> images = gt.imageIds();
        AreaRange[] areas = AreaRange.values();
        int maxDet = CocoThresholds.MAX_DETS[CocoThresholds.MAX_DETS.length - 1];
        double[] iouThrs = CocoThresholds.iou();
        ImageEvaluation[][][] out = new ImageEvaluation[categories.size()][areas.length][images.size()];
        for (int k = 0; k < categories.size(); k++) {
            int cat = categories.get(k);
            for (int i = 0; i < images.size(); i++) {
                long img = images.get(i);
                List<CocoAnnotation> g = gt.annotations(img, cat);
                List<Detection> d = ImageMatcher.sortAndCut(
                        byImageAndCategory.getOrDefault(img, Map.of()).getOrDefault(cat, List.of()), maxDet);
                double[][] ious = BoxIou.matrix(d, g);
                for (int a = 0; a < areas.length; a++) {
                    out[k][a][i] = ImageMatcher.evaluate(img, cat, g, d, ious, areas[a], iouThrs);
                }
            }
        }
        return out;
    }
}
