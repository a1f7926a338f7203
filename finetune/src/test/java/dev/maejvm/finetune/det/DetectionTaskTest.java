package dev.maejvm.finetune.det;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Batch;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.vit.engine.Ctx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The FCOS normaliser under data parallelism: two ranks holding unequal parts of a global batch (1
 * and 3 of its 4 images) with unequal positives, each dividing by {@code max(1, total positives)}
 * times its share of the images, combined as the trainer combines them (each rank's gradient
 * weighted by its share of the images), give the gradient one process computes on the whole
 * batch. In float64, to 1e-12 relative: only the summation order differs. Dividing by each rank's
 * own positives (the per-rank rule) would not: shown too.
 */
class DetectionTaskTest {
    /** A rank of a two-rank job whose partner's positives and images are known: allreduce adds them. */
    private record OneOfTwo(int rank, double partnerPositives, double partnerImages) implements Collective {
        @Override
        public int size() {
            return 2;
        }

        @Override
        public void allreduceSum(INDArray array) {
            throw new UnsupportedOperationException("the task reduces scalars only");
        }

        @Override
        public void allreduceSum(double[] values) {
            values[0] += partnerPositives;
            values[1] += partnerImages;
        }

        @Override
        public void broadcast(INDArray array, int root) {}

        @Override
        public void broadcast(double[] values, int root) {}

        @Override
        public void barrier() {}

        @Override
        public void abort(int code, String message) {
            throw new IllegalStateException(message);
        }

        @Override
        public String describe() {
            return "rank " + rank + " of 2 (test)";
        }

        @Override
        public void close() {}
    }

    private static final CategoryMap CATEGORIES = CategoryMap.of(Map.of(1, "wide", 2, "tall"));

    private static Batch batch(INDArray images, List<List<BoundingBox>> boxes) {
        int n = (int) images.size(0);
        return new Batch(images, new int[n], java.util.Collections.nCopies(n, "test"), 0, 0, boxes);
    }

    /** The gradient of one step of the task on the batch. */
    private static double[] gradient(Detector model, Collective group, Batch b) {
        model.params().zeroGrads();
        DetectionTask task = new DetectionTask(model, CATEGORIES, group);
        task.step(b, 0, Ctx.train(7, 0));
        return model.params().grads().dup().data().asDouble();
    }

    private static double positives(Detector model, Batch b) {
        model.params().zeroGrads();
        return new DetectionTask(model, CATEGORIES).step(b, 0, Ctx.train(7, 0)).metrics().get("num_pos");
    }

    @Test
    void twoRanksDividingByTheGlobalPositivesGiveTheOneProcessGradientForAnUnevenSplit() {
        DetectConfig cfg = dev.maejvm.train.config.Configs.with(DetectionTrainingTest.config(1), Map.of("model.dropPathRate", "0"));
        Detector model = Detector.create(cfg, DataType.DOUBLE, 3);
        INDArray images = Nd4j.rand(DataType.DOUBLE, 4, 1, 32, 32).subi(0.5);
        // rank 0 holds one image with one small box, rank 1 three images with larger ones: unequal parts and positives
        List<List<BoundingBox>> boxes = List.of(
                List.of(new BoundingBox(2, 2, 10, 8, 1)), List.of(),
                List.of(new BoundingBox(0, 0, 20, 12, 1), new BoundingBox(18, 4, 26, 30, 2)), List.of(new BoundingBox(4, 14, 30, 28, 1)));
        Batch whole = batch(images, boxes);
        Batch first = batch(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup(), boxes.subList(0, 1));
        Batch second = batch(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4)).dup(), boxes.subList(1, 4));
        double p0 = positives(model, first);
        double p1 = positives(model, second);
        assertTrue(p0 > 0 && p1 > 2 * p0, "the parts' positives differ: " + p0 + ", " + p1);
        double w0 = 1 / 4.0;                                                 // the trainer's weights: each part's share of the images
        double w1 = 3 / 4.0;

        double[] one = gradient(model, SingleProcess.INSTANCE, whole);
        double[] g0 = gradient(model, new OneOfTwo(0, p1, 3), first);
        double[] g1 = gradient(model, new OneOfTwo(1, p0, 1), second);
        double[] own0 = gradient(model, SingleProcess.INSTANCE, first);    // each part by its own positives
        double[] own1 = gradient(model, SingleProcess.INSTANCE, second);
        double scale = 0;
        double worst = 0;
        double worstOwn = 0;
        for (int i = 0; i < one.length; i++) {
            scale = Math.max(scale, Math.abs(one[i]));
            worst = Math.max(worst, Math.abs(w0 * g0[i] + w1 * g1[i] - one[i]));
            worstOwn = Math.max(worstOwn, Math.abs(w0 * own0[i] + w1 * own1[i] - one[i]));
        }
        assertTrue(scale > 0);
        assertEquals(0, worst / scale, 1e-12, "the combined two-rank gradient is the one-process gradient");
        assertTrue(worstOwn / scale > 1e-3, "per-rank normalisers would differ (" + worstOwn / scale + "): the test can fail");
    }
}
