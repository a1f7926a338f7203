package dev.maejvm.finetune.det.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small ground truths and detections for the hand-made cases: boxes xywh in pixels. */
final class EvalCases {
    /** What cocoeval's precision is for a run of true positives: tp / (tp + fp + np.spacing(1)) with fp = 0, tp = 1. */
    static final double ONE = 1 / (1 + Math.ulp(1.0));

    private EvalCases() {
    }

    /** A regular object whose area field is its box's. */
    static CocoAnnotation obj(long id, long image, int category, double x, double y, double w, double h) {
        return new CocoAnnotation(id, image, category, x, y, w, h, w * h, false);
    }

    static CocoAnnotation crowd(long id, long image, int category, double x, double y, double w, double h) {
        return new CocoAnnotation(id, image, category, x, y, w, h, w * h, true);
    }

    static Detection det(long image, int category, double x, double y, double w, double h, double score) {
        return new Detection(image, category, x, y, w, h, score);
    }

    /** Images 1..images, categories 1..categories. */
    static CocoGroundTruth gt(int images, int categories, CocoAnnotation... annotations) {
        List<Long> ids = new ArrayList<>();
        for (long i = 1; i <= images; i++) {
            ids.add(i);
        }
        Map<Integer, String> cats = new LinkedHashMap<>();
        for (int c = 1; c <= categories; c++) {
            cats.put(c, "c" + c);
        }
        return new CocoGroundTruth(ids, cats, List.of(annotations));
    }
}
