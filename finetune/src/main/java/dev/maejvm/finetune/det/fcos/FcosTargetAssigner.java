package dev.maejvm.finetune.det.fcos;

import dev.maejvm.data.detection.BoundingBox;
import java.util.Arrays;
import java.util.List;

/**
 * FCOS target assignment, detectron2's {@code FCOS.label_anchors} / {@code _match_anchors}. A
 * point (px, py) of stride s is positive for a ground-truth box when all of
 *
 * <ol>
 *   <li>it is strictly inside the box: {@code min(l, t, r, b) > 0} (pixel distances to the edges);
 *   <li>it is within the centre-sampling region: {@code max(|px - cx|, |py - cy|) < radius * s}
 *       (with 1, the region is the square of half-side radius·s around the box centre clipped to the box);
 *   <li>its level's range holds the box: {@code lower < max(l, t, r, b) < upper}.
 * </ol>
 *
 * A point positive for several boxes takes the one of smallest area (equal areas: the first in
 * the list; detectron2 compares {@code 1e8 - area} in float32, which also ties areas a few
 * pixels apart, this compares the areas exactly). Other points are background; an image without
 * boxes is all background. Targets: the box's class, its coded (l, t, r, b) and the centerness
 * {@code sqrt(min(l,r)/max(l,r) * min(t,b)/max(t,b))}.
 *
 * <p>Box categories must already be contiguous class indices in [0, K) (map dataset ids first).
 */
public final class FcosTargetAssigner {
    private final MatchingConfig config;
    private final BoxCoding coding;
    private final int numClasses;

    /** @param numClasses K, the classes of the head (background not counted) */
    public FcosTargetAssigner(MatchingConfig config, BoxCoding coding, int numClasses) {
        if (config == null || coding == null) {
            throw new IllegalArgumentException("config and coding must not be null");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        this.config = config;
        this.coding = coding;
        this.numClasses = numClasses;
    }

    /**
     * @param points the batch's points (N images)
     * @param boxesPerImage N lists of ground-truth boxes, pixel xyxy in the network's input frame,
     *     categories in [0, K)
     */
    public FcosTargets assign(AnchorPoints points, List<List<BoundingBox>> boxesPerImage) {
        if (boxesPerImage == null || boxesPerImage.size() != points.batchSize()) {
            throw new IllegalArgumentException("boxesPerImage must hold " + points.batchSize() + " lists (one per image), got "
                    + (boxesPerImage == null ? "null" : boxesPerImage.size()));
        }
        List<SizeRange> ranges = config.sizeRanges();
        if (ranges.size() != points.numLevels()) {
            throw new IllegalArgumentException("config.sizeRanges has " + ranges.size() + " ranges for " + points.numLevels() + " levels");
        }
        int rows = points.rows();
        int[] classes = new int[rows];
        Arrays.fill(classes, FcosTargets.BACKGROUND);
        double[] boxes = new double[4 * rows];
        double[] deltas = new double[4 * rows];
        double[] ctr = new double[rows];
        int pp = points.pointsPerImage();
        int[] match = new int[pp];
        double[] matchArea = new double[pp];
        double[] d = new double[4];
        for (int n = 0; n < points.batchSize(); n++) {
            List<BoundingBox> gt = boxesPerImage.get(n);
            if (gt == null) {
                throw new IllegalArgumentException("boxesPerImage[" + n + "] is null");
            }
            for (int m = 0; m < gt.size(); m++) {
                int c = gt.get(m).category();
                if (c < 0 || c >= numClasses) {
                    throw new IllegalArgumentException("box " + m + " of image " + n + " has category " + c + ", not a class index in [0, " + numClasses + ")");
                }
            }
            Arrays.fill(match, -1);
            for (int m = 0; m < gt.size(); m++) {
                matchBox(points, gt.get(m), m, ranges, match, matchArea);
            }
            for (int p = 0; p < pp; p++) {
                int m = match[p];
                if (m < 0) {
                    continue;
                }
                BoundingBox b = gt.get(m);
                int row = points.row(n, p);
                classes[row] = b.category();
                boxes[4 * row] = b.x0();
                boxes[4 * row + 1] = b.y0();
                boxes[4 * row + 2] = b.x1();
                boxes[4 * row + 3] = b.y1();
                coding.encode(points.centerX(p), points.centerY(p), points.stride(p), b.x0(), b.y0(), b.x1(), b.y1(), d, 0);
                System.arraycopy(d, 0, deltas, 4 * row, 4);
                ctr[row] = Centerness.of(d[0], d[1], d[2], d[3]);
            }
        }
        return new FcosTargets(points, coding, numClasses, classes, boxes, deltas, ctr);
    }

    /** Marks the points of one image that box m may take, keeping the smaller (then earlier) box where one is already matched. */
    private void matchBox(AnchorPoints points, BoundingBox b, int m, List<SizeRange> ranges, int[] match, double[] matchArea) {
        double area = b.area();
        double cx = 0.5 * (b.x0() + b.x1());
        double cy = 0.5 * (b.y0() + b.y1());
        double radius = config.centerSamplingRadius();
        for (int l = 0; l < points.numLevels(); l++) {
            FeatureLevel f = points.levels().get(l);
            double s = f.stride();
            double rs = radius * s;
            // A superset of the cells that can pass: those whose centre lies in the clipped region; checked exactly below.
            int x0 = Math.max(0, (int) Math.floor(Math.max(b.x0(), cx - rs) / s - 0.5));
            int x1 = Math.min(f.width() - 1, (int) Math.ceil(Math.min(b.x1(), cx + rs) / s - 0.5));
            int y0 = Math.max(0, (int) Math.floor(Math.max(b.y0(), cy - rs) / s - 0.5));
            int y1 = Math.min(f.height() - 1, (int) Math.ceil(Math.min(b.y1(), cy + rs) / s - 0.5));
            SizeRange range = ranges.get(l);
            int offset = points.levelOffset(l);
            for (int y = y0; y <= y1; y++) {
                double py = (y + 0.5) * s;
                for (int x = x0; x <= x1; x++) {
                    double px = (x + 0.5) * s;
                    double dl = px - b.x0();
                    double dt = py - b.y0();
                    double dr = b.x1() - px;
                    double db = b.y1() - py;
                    if (!(Math.min(Math.min(dl, dt), Math.min(dr, db)) > 0)) {
                        continue;
                    }
                    if (!(Math.max(Math.abs(px - cx), Math.abs(py - cy)) < rs)) {
                        continue;
                    }
                    if (!range.contains(Math.max(Math.max(dl, dt), Math.max(dr, db)))) {
                        continue;
                    }
                    int p = offset + y * f.width() + x;
                    if (match[p] < 0 || area < matchArea[p]) {
                        match[p] = m;
                        matchArea[p] = area;
                    }
                }
            }
        }
    }
}
