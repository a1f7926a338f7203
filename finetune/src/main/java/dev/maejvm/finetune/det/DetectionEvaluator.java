package dev.maejvm.finetune.det;

import dev.maejvm.data.Batch;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.finetune.det.eval.CocoEvaluator;
import dev.maejvm.finetune.det.eval.CocoGroundTruth;
import dev.maejvm.finetune.det.eval.CocoSummary;
import dev.maejvm.finetune.det.eval.Detection;
import dev.maejvm.finetune.det.fcos.AnchorPoints;
import dev.maejvm.finetune.det.fcos.BoxCoding;
import dev.maejvm.finetune.det.fcos.FcosPostProcessor;
import dev.maejvm.finetune.det.fcos.InferenceConfig;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.finetune.det.model.FcosHead;
import dev.maejvm.train.Evaluator;
import dev.maejvm.vit.engine.Ctx;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * COCO evaluation of a detector on a labelled set: every image in order through the evaluation
 * transform, the FCOS post-processing (score threshold, top-k per level, class-aware NMS, at most
 * maxDetections), the boxes mapped back to each image's own pixels and its category ids, then
 * {@link CocoEvaluator} against the set's annotations file (the ground truth as COCO reads it:
 * {@code area}, crowd boxes). As an {@link Evaluator} it reports the 12 summary numbers in percent
 * ({@code AP}, {@code AP50}, {@code AP75}, {@code APs}, {@code APm}, {@code APl}, {@code AR1}, ...).
 */
public final class DetectionEvaluator implements Evaluator {
    /** The predictions of a set: COCO results, and the first batch's images with their boxes in input pixels (for pictures). */
    public record Result(CocoSummary summary, List<Detection> detections, Batch firstBatch,
                         List<List<dev.maejvm.finetune.det.fcos.Detection>> firstPredictions) {
        public Map<String, Double> metrics() {
            double[] s = summary.stats();
            String[] names = {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                m.put(names[i], s[i] < 0 ? s[i] : 100 * s[i]);
            }
            return m;
        }
    }

    private final Detector model;
    private final CocoDataset set;
    private final CocoGroundTruth truth;
    private final DataLoader data;
    private final CategoryMap categories;
    private final BiConsumer<Integer, Result> onResult;

    /** @param onResult called with (epoch, result) after each evaluation (best checkpoint, pictures) */
    public DetectionEvaluator(Detector model, CocoDataset set, CocoGroundTruth truth, DataLoader data, CategoryMap categories,
                              BiConsumer<Integer, Result> onResult) {
        this.model = model;
        this.set = set;
        this.truth = truth;
        this.data = data;
        this.categories = categories;
        this.onResult = onResult;
    }

    @Override
    public Map<String, Double> evaluate(int epoch) {
        Result r = evaluate(model, set, truth, data, categories);
        if (onResult != null) {
            onResult.accept(epoch, r);
        }
        return r.metrics();
    }

    /** Every image of {@code data} (in the order of {@code set}) through the model in evaluation mode. */
    public static Result evaluate(Detector model, CocoDataset set, CocoGroundTruth truth, DataLoader data, CategoryMap categories) {
        DetectConfig cfg = model.config();
        FcosPostProcessor post = new FcosPostProcessor(new InferenceConfig(cfg.scoreThreshold(), cfg.topkCandidates(),
                cfg.nmsThreshold(), cfg.maxDetections()), BoxCoding.detectron2());
        List<Long> ids = truth.imageIdsInFileOrder();
        if (ids.size() != set.size()) {
            throw new IllegalStateException("the ground truth lists " + ids.size() + " images, the set " + set.size());
        }
        List<Detection> results = new ArrayList<>();
        Batch first = null;
        List<List<dev.maejvm.finetune.det.fcos.Detection>> firstPredictions = null;
        int index = 0;
        Iterator<Batch> it = data.epoch(0);
        while (it.hasNext()) {
            Batch b = it.next();
            int n = (int) b.images().size(0);
            FcosHead.Outputs out = model.forward(b.images().castTo(model.params().dataType()), Ctx.eval());
            List<EvalGeometry> geometry = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] wh = set.imageSize(index + i);
                if (wh[0] == 0 || wh[1] == 0) {                          // the annotations do not say: read the image
                    var img = set.detection(index + i).image();
                    wh = new int[] {img.width(), img.height()};
                }
                geometry.add(EvalGeometry.of(cfg, wh[0], wh[1]));
            }
            List<List<dev.maejvm.finetune.det.fcos.Detection>> predicted = post.apply(out.logits(), out.boxes(), out.centerness(),
                    new AnchorPoints(model.levels(), n), geometry.stream().map(EvalGeometry::inInput).toList());
            if (first == null) {
                first = b;
                firstPredictions = predicted;
            }
            for (int i = 0; i < n; i++, index++) {
                for (dev.maejvm.finetune.det.fcos.Detection d : predicted.get(i)) {
                    var box = geometry.get(i).toImage(d.box());
                    if (box.isPresent()) {
                        BoundingBox bx = box.get();
                        results.add(new Detection(ids.get(index), categories.id(bx.category()), bx.x0(), bx.y0(), bx.width(),
                                bx.height(), d.score()));
                    }
                }
            }
        }
        if (index != set.size()) {
            throw new IllegalStateException("evaluated " + index + " of the set's " + set.size() + " images");
        }
        return new Result(CocoEvaluator.evaluate(truth, results), results, first, firstPredictions);
    }
}
