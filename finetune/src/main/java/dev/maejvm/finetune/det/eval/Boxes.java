package dev.maejvm.finetune.det.eval;

import com.fasterxml.jackson.databind.JsonNode;

/** The JSON form of a COCO box: {@code [x, y, w, h]}, four numbers, pixels. */
final class Boxes {
    private Boxes() {
    }

    /** @param what names the entry in the error */
    static double[] xywh(JsonNode bbox, String what) {
        if (!bbox.isArray() || bbox.size() != 4) {
            throw new IllegalArgumentException(what + ": 'bbox' must be [x, y, w, h], got " + (bbox.isMissingNode() ? "nothing" : bbox));
        }
        double[] b = new double[4];
        for (int i = 0; i < 4; i++) {
            if (!bbox.get(i).isNumber()) {
                throw new IllegalArgumentException(what + ": 'bbox' must hold four numbers, got " + bbox);
            }
            b[i] = bbox.get(i).asDouble();
        }
        return b;
    }
}
