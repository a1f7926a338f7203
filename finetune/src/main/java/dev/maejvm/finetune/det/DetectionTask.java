package dev.maejvm.finetune.det;

import dev.maejvm.data.Batch;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.fcos.AnchorPoints;
import dev.maejvm.finetune.det.fcos.BoxCoding;
import dev.maejvm.finetune.det.fcos.FcosLoss;
import dev.maejvm.finetune.det.fcos.FcosTargetAssigner;
import dev.maejvm.finetune.det.fcos.FcosTargets;
import dev.maejvm.finetune.det.fcos.FeatureLevel;
import dev.maejvm.finetune.det.fcos.MatchingConfig;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.finetune.det.model.FcosHead;
import dev.maejvm.train.Task;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One detection training step: the detector's forward on a batch of images, FCOS targets from the
 * batch's boxes (category ids mapped to class indices), the three FCOS losses over the number of
 * positives (focal on every point and class, GIoU and centerness on the positives), their
 * gradients back through head, pyramid and backbone. Reports the three terms and the positives.
 *
 * <p>Data-parallel, the positives are counted over the whole global batch (an allreduce of two
 * scalars, as FCOS's own code counts them over its GPUs) and a rank holding n of the batch's N
 * images divides by {@code max(1, total) · n / N}: the trainer weights each rank's gradient by
 * n / N, so the step's gradient is the one process's on the same global batch, whatever the
 * split and each part's share of the positives (drop path aside: each rank draws its own).
 */
public final class DetectionTask implements Task<Batch> {
    private final Detector model;
    private final CategoryMap categories;
    private final List<FeatureLevel> levels;
    private final FcosTargetAssigner assigner;
    private final FcosLoss loss = FcosLoss.detectron2();
    private final Collective group;
    private INDArray dLogits;
    private INDArray dBoxes;
    private INDArray dCtr;

    public DetectionTask(Detector model, CategoryMap categories) {
        this(model, categories, SingleProcess.INSTANCE);
    }

    /** @param group the ranks whose parts of the global batch the positives are counted over */
    public DetectionTask(Detector model, CategoryMap categories, Collective group) {
        if (categories.size() != model.config().numClasses()) {
            throw new IllegalArgumentException("the detector has " + model.config().numClasses() + " classes, the data "
                    + categories.size() + " categories " + categories.ids());
        }
        this.model = model;
        this.categories = categories;
        this.levels = model.levels();
        this.group = group;
        this.assigner = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), categories.size());
    }

    @Override
    public ParamStore params() {
        return model.params();
    }

    @Override
    public StepResult step(Batch batch, long iteration, Ctx ctx) {
        int n = (int) batch.images().size(0);
        List<List<BoundingBox>> boxes = new ArrayList<>(n);
        for (List<BoundingBox> b : batch.boxes()) {
            boxes.add(categories.toIndices(b));
        }
        FcosTargets targets = assigner.assign(new AnchorPoints(levels, n), boxes);
        FcosHead.Outputs out = model.forward(batch.images().castTo(model.params().dataType()), ctx);
        dLogits = Kernels.ensure(dLogits, out.logits().dataType(), out.logits().shape());
        dBoxes = Kernels.ensure(dBoxes, out.boxes().dataType(), out.boxes().shape());
        dCtr = Kernels.ensure(dCtr, out.centerness().dataType(), out.centerness().shape());
        double[] counts = {targets.numPositives(), n};       // positives and images: this rank's, then the global batch's
        if (group.size() > 1) {
            group.allreduceSum(counts);
        }
        double normalizer = Math.max(1, counts[0]) * n / counts[1];
        FcosLoss.Terms terms = loss.forward(out.logits(), out.boxes(), out.centerness(), targets, normalizer,
                dLogits, dBoxes, dCtr);
        model.backward(dLogits, dBoxes, dCtr);
        return new StepResult(terms.total(), n, Map.of("loss_cls", terms.classification(), "loss_box_reg", terms.boxRegression(),
                "loss_centerness", terms.centerness(), "num_pos", counts[0]));      // the global batch's
    }
}
