package dev.maejvm.finetune.det.eval;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * cocoeval's twelve {@code stats} for bounding boxes, fractions in [0, 1], -1 where there was
 * nothing to average (no category with ground truth in that area range). AP is averaged over the
 * categories with ground truth, the 101 recall points and, for {@code ap}, the ten IoU thresholds
 * .50:.95; "small", "medium", "large" are areas below 32², between 32² and 96², above 96² square
 * pixels; maxDets is the detection limit per image and category.
 *
 * @param perCategoryAp category id to its AP@[.50:.95] (area all, 100 detections), -1 for a
 *     category without ground truth, ascending by id
 */
public record CocoSummary(double ap, double ap50, double ap75, double apSmall, double apMedium, double apLarge, double ar1,
        double ar10, double ar100, double arSmall, double arMedium, double arLarge, Map<Integer, Double> perCategoryAp) {

    private static final String[] LINES = {
        "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
        "Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
        "Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
        "Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
        "Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
        "Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
        "Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
    };

    public CocoSummary {
        perCategoryAp = Collections.unmodifiableMap(new TreeMap<>(perCategoryAp));
    }

    /** The twelve numbers in cocoeval's {@code stats} order. */
    public double[] stats() {
        return new double[] {ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge};
    }

    /** From cocoeval's {@code stats} order. */
    public static CocoSummary of(double[] s, Map<Integer, Double> perCategoryAp) {
        if (s.length != 12) {
            throw new IllegalArgumentException("COCO bbox stats are 12 numbers, got " + s.length);
        }
        return new CocoSummary(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], perCategoryAp);
    }

    /** The twelve lines as cocoeval's {@code summarize} prints them (three decimals). */
    public String table() {
        StringBuilder sb = new StringBuilder();
        double[] s = stats();
        for (int i = 0; i < 12; i++) {
            sb.append(' ').append(LINES[i]).append(" = ").append(String.format(Locale.ROOT, "%.3f", s[i])).append('\n');
        }
        return sb.toString();
    }

    /** Per category: id, name (from {@code names}, the id when absent) and AP@[.50:.95], three decimals. */
    public String categoryTable(Map<Integer, String> names) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, Double> e : perCategoryAp.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%6d  %-24s %s%n", e.getKey(), names.getOrDefault(e.getKey(), String.valueOf(e.getKey())),
                    e.getValue() < 0 ? "  -  " : String.format(Locale.ROOT, "%.3f", e.getValue())));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return table();
    }
}
