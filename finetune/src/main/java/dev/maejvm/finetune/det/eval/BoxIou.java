package dev.maejvm.finetune.det.eval;

import java.util.List;

/**
 * The IoU of a detection and a ground-truth box as pycocotools' {@code bbIou} (maskApi.c) computes
 * it, same operations in the same order so the doubles agree: boxes xywh in pixels, no +1 on
 * widths; for a crowd region the union is the detection's area alone (the share of the detection
 * inside the region). The areas are the boxes' w * h, not the annotation's {@code area} field.
 */
public final class BoxIou {
    private BoxIou() {
    }

    public static double iou(Detection d, CocoAnnotation g) {
        double ga = g.w() * g.h();
        double da = d.w() * d.h();
        double w = Math.min(d.w() + d.x(), g.w() + g.x()) - Math.max(d.x(), g.x());
        if (w <= 0) {
            return 0;
        }
        double h = Math.min(d.h() + d.y(), g.h() + g.y()) - Math.max(d.y(), g.y());
        if (h <= 0) {
            return 0;
        }
        double i = w * h;
        double u = g.iscrowd() ? da : da + ga - i;
        return i / u;
    }

    /** {@code [detection][ground truth]}, in the lists' orders. */
    public static double[][] matrix(List<Detection> dts, List<CocoAnnotation> gts) {
        double[][] o = new double[dts.size()][gts.size()];
        for (int d = 0; d < dts.size(); d++) {
            for (int g = 0; g < gts.size(); g++) {
                o[d][g] = iou(dts.get(d), gts.get(g));
            }
        }
        return o;
    }
}
