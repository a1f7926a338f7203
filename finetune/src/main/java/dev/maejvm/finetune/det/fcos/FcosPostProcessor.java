package dev.maejvm.finetune.det.fcos;

import dev.maejvm.data.detection.BoundingBox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FCOS inference post-processing (detectron2 {@code FCOS.forward_inference},
 * {@code DenseDetector._decode_multi_level_predictions}, {@code inference_single_image}), per image:
 *
 * <ol>
 *   <li>per level, the score of each (point, class) is {@code sqrt(sigmoid(cls) * sigmoid(ctr))};
 *       those {@code > scoreThreshold} are candidates, and the {@code topkCandidates} best of the
 *       level are kept (equal scores: lower (point, class) index first);
 *   <li>their boxes are decoded ({@link BoxCoding#decode}, ReLU) and clipped to
 *       [0, width] x [0, height]; boxes left empty (zero width or height) are dropped (detectron2
 *       drops them in {@code detector_postprocess}, after NMS);
 *   <li>class-aware NMS ({@link Nms#batched}) over all levels' candidates; the first
 *       {@code maxDetectionsPerImage} are kept, by decreasing score (ties: level, point, class order).
 * </ol>
 */
public final class FcosPostProcessor {
    private final InferenceConfig config;
    private final BoxCoding coding;

    public FcosPostProcessor(InferenceConfig config, BoxCoding coding) {
        if (config == null || coding == null) {
            throw new IllegalArgumentException("config and coding must not be null");
        }
        this.config = config;
        this.coding = coding;
    }

    public InferenceConfig config() {
        return config;
    }

    /**
     * @param logits [R, K] raw class outputs, rows in {@link AnchorPoints}' (level, n, y, x) order
     * @param boxRegression [R, 4] raw box outputs
     * @param centerness [R, 1] raw centerness outputs
     * @param points the batch's points (N images, R = N P)
     * @param imageSizes N sizes to clip to
     * @return N lists of detections, each by decreasing score, at most {@code maxDetectionsPerImage}
     */
    public List<List<Detection>> apply(INDArray logits, INDArray boxRegression, INDArray centerness, AnchorPoints points, List<ImageSize> imageSizes) {
        if (logits == null || logits.rank() != 2) {
            throw new IllegalArgumentException("logits must be [R, K], got " + (logits == null ? "null" : Arrays.toString(logits.shape())));
        }
        int r = points.rows();
        int k = (int) logits.size(1);
        HeadOutputs.check("logits", logits, r, k);
        HeadOutputs.check("boxRegression", boxRegression, r, 4);
        HeadOutputs.check("centerness", centerness, r, 1);
        if (imageSizes == null || imageSizes.size() != points.batchSize()) {
            throw new IllegalArgumentException("imageSizes must hold " + points.batchSize() + " sizes, got "
                    + (imageSizes == null ? "null" : imageSizes.size()));
        }
        float[] cls = floats(logits);
        float[] box = floats(boxRegression);
        float[] ctr = floats(centerness);
        List<List<Detection>> out = new ArrayList<>();
        for (int n = 0; n < points.batchSize(); n++) {
            out.add(image(cls, box, ctr, k, points, n, imageSizes.get(n)));
        }
        return out;
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private List<Detection> image(float[] cls, float[] box, float[] ctr, int k, AnchorPoints points, int n, ImageSize size) {
        List<double[]> boxes = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        double[] raw = new double[4];
        double[] decoded = new double[4];
        double t2 = config.scoreThreshold() * config.scoreThreshold();
        // logit(t^2), less a margin for rounding: a strict prefilter, the exact test follows
        double minLogit = t2 > 0 ? Math.log(t2 / (1 - t2)) - 1e-6 : Double.NEGATIVE_INFINITY;
        for (int l = 0; l < points.numLevels(); l++) {
            int first = points.levelOffset(l);
            int count = points.levels().get(l).size();
            TopK best = new TopK(config.topkCandidates());
            int rowBase = points.row(n, first);
            for (int i = 0; i < count; i++) {
                int row = rowBase + i;
                double sigCtr = HeadOutputs.sigmoid(ctr[row]);
                for (int c = 0; c < k; c++) {
                    // sigmoid(ctr) <= 1, so a candidate needs sigmoid(cls) > t^2: most logits are rejected without an exp
                    if (cls[row * k + c] <= minLogit) {
                        continue;
                    }
                    double s = Math.sqrt(HeadOutputs.sigmoid(cls[row * k + c]) * sigCtr);
                    if (s > config.scoreThreshold()) {
                        best.offer(s, (long) i * k + c); // ties: the lower (point, class) first
                    }
                }
            }
            double[] candScore = new double[best.size()];
            long[] cand = best.sorted(candScore);
            for (int c = 0; c < cand.length; c++) {
                int i = (int) (cand[c] / k);
                int point = first + i;
                int row = points.row(n, point);
                for (int j = 0; j < 4; j++) {
                    raw[j] = box[4 * row + j];
                }
                coding.decode(points.centerX(point), points.centerY(point), points.stride(point), raw, 0, decoded, 0);
                double x0 = clamp(decoded[0], size.width());
                double y0 = clamp(decoded[1], size.height());
                double x1 = clamp(decoded[2], size.width());
                double y1 = clamp(decoded[3], size.height());
                if (!(x1 > x0 && y1 > y0)) {
                    continue;
                }
                boxes.add(new double[] {x0, y0, x1, y1});
                scores.add(candScore[c]);
                classes.add((int) (cand[c] % k));
            }
        }
        int m = scores.size();
        double[] b = new double[4 * m];
        double[] s = new double[m];
        int[] c = new int[m];
        for (int i = 0; i < m; i++) {
            System.arraycopy(boxes.get(i), 0, b, 4 * i, 4);
            s[i] = scores.get(i);
            c[i] = classes.get(i);
        }
        int[] kept = Nms.batched(b, s, c, config.nmsThreshold());
        List<Detection> dets = new ArrayList<>();
        for (int a = 0; a < Math.min(kept.length, config.maxDetectionsPerImage()); a++) {
            int i = kept[a];
            dets.add(new Detection(new BoundingBox(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], c[i]), s[i]));
        }
        return List.copyOf(dets);
    }

    private static double clamp(double v, double hi) {
        return Math.min(Math.max(v, 0), hi);
    }
}
