package dev.maejvm.finetune.det.model;

import dev.maejvm.finetune.det.fcos.ClassificationPrior;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.Conv2d;
import dev.maejvm.vit.layers.FeatureMap;
import dev.maejvm.vit.layers.GroupNorm;
import dev.maejvm.vit.layers.ReLU;
import dev.maejvm.vit.layers.SpatialLayer;
import dev.maejvm.vit.layers.SpatialSequential;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The FCOS head (detectron2 {@code FCOSHead}), shared over the pyramid's levels: a classification
 * tower and a box tower of {@code convs} x (3x3 conv + GroupNorm + ReLU), then {@code cls_score}
 * (3x3, K classes, bias at the 0.01 prior), {@code bbox_pred} (3x3, 4: l, t, r, b in strides) and
 * {@code ctrness} (3x3, 1) on the box tower. Every conv starts at normal(0, 0.01) with zero bias.
 *
 * <p>Shared over levels under the layer contract: each level runs its own instances of the layers
 * over the same parameters (so each keeps its level's activations and the one-forward guard holds),
 * their backwards adding into the same gradients. The outputs of all levels are laid one after
 * the other, rows (level, n, y, x), the order the FCOS targets and post-processing read.
 */
public final class FcosHead {
    private final int numClasses;
    private final List<Level> levels = new ArrayList<>();
    private List<FeatureMap> shapes;
    private INDArray logits;      // [R, K]
    private INDArray boxes;       // [R, 4]
    private INDArray ctrness;     // [R, 1]
    private final List<INDArray> dInputs = new ArrayList<>();

    /** One level's layers over the shared parameters. */
    private record Level(SpatialSequential clsTower, SpatialSequential boxTower, Conv2d clsScore, Conv2d bboxPred, Conv2d ctr) {}

    /**
     * @param channels C, the pyramid's width
     * @param convs layers per tower (FCOS: 4)
     * @param numLevels pyramid levels the head runs over
     */
    public FcosHead(ParamStore store, int channels, int convs, int numClasses, int numLevels, ScratchPool pool) {
        this.numClasses = numClasses;
        int groups = groups(channels);
        Init conv = new Init.Normal(0.01);
        List<Param[]> cls = new ArrayList<>();
        List<Param[]> box = new ArrayList<>();
        for (int i = 0; i < convs; i++) {
            cls.add(convNorm(store, "head.cls_subnet." + (3 * i), channels, conv));
            box.add(convNorm(store, "head.bbox_subnet." + (3 * i), channels, conv));
        }
        Param[] clsScore = convParams(store, "head.cls_score", channels, numClasses, conv, new Init.Constant(ClassificationPrior.bias()));
        Param[] bboxPred = convParams(store, "head.bbox_pred", channels, 4, conv, Init.ZEROS);
        Param[] ctr = convParams(store, "head.ctrness", channels, 1, conv, Init.ZEROS);
        for (int l = 0; l < numLevels; l++) {
            var scope = pool.scope("head.level" + l);
            levels.add(new Level(tower(cls, groups, scope.child("cls")), tower(box, groups, scope.child("box")),
                    new Conv2d(clsScore[0], clsScore[1], 1, 1, scope.child("cls_score")),
                    new Conv2d(bboxPred[0], bboxPred[1], 1, 1, scope.child("bbox_pred")),
                    new Conv2d(ctr[0], ctr[1], 1, 1, scope.child("ctrness"))));
        }
    }

    /** detectron2's GroupNorm(32, C), fewer groups where C is small or not a multiple of 32. */
    static int groups(int channels) {
        int g = Math.min(32, channels);
        while (channels % g != 0) {
            g--;
        }
        return g;
    }

    /** A tower conv's weight and bias, and its GroupNorm's (index + 1). */
    private static Param[] convNorm(ParamStore store, String name, int channels, Init conv) {
        Param[] c = convParams(store, name, channels, channels, conv, Init.ZEROS);
        String normName = name.substring(0, name.lastIndexOf('.') + 1) + (Integer.parseInt(name.substring(name.lastIndexOf('.') + 1)) + 1);
        Param w = store.register(normName + ".weight", new long[] {channels}, Init.ONES);
        Param b = store.register(normName + ".bias", new long[] {channels}, Init.ZEROS);
        return new Param[] {c[0], c[1], w, b};
    }

    private static Param[] convParams(ParamStore store, String name, int cin, int cout, Init weight, Init bias) {
        return new Param[] {store.register(name + ".weight", new long[] {cout, cin, 3, 3}, weight),
            store.register(name + ".bias", new long[] {cout}, bias)};
    }

    private static SpatialSequential tower(List<Param[]> params, int groups, dev.maejvm.vit.engine.Scratch scope) {
        List<SpatialLayer> layers = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Param[] p = params.get(i);
            layers.add(new Conv2d(p[0], p[1], 1, 1, scope.child("conv" + i)));
            layers.add(new GroupNorm(p[2], p[3], groups, GroupNorm.TORCH_EPS, scope.child("norm" + i)));
            layers.add(SpatialLayer.rows(new ReLU(scope.child("relu" + i))));
        }
        return new SpatialSequential(layers);
    }

    /**
     * @param features each level's map [N*h_l*w_l, C], fine to coarse
     * @return the outputs over all levels' rows (level, n, y, x): class logits [R, K], box regression [R, 4],
     *     centerness logits [R, 1], owned by the head until its next forward
     */
    public Outputs forward(List<INDArray> features, List<FeatureMap> shapes, Ctx ctx) {
        if (features.size() != levels.size()) {
            throw new IllegalArgumentException("the head was built for " + levels.size() + " levels, got " + features.size());
        }
        this.shapes = List.copyOf(shapes);
        long rows = shapes.stream().mapToLong(FeatureMap::rows).sum();
        DataType dt = features.get(0).dataType();
        logits = Kernels.ensure(logits, dt, rows, numClasses);
        boxes = Kernels.ensure(boxes, dt, rows, 4);
        ctrness = Kernels.ensure(ctrness, dt, rows, 1);
        long off = 0;
        for (int l = 0; l < levels.size(); l++) {
            Level lv = levels.get(l);
            FeatureMap shape = shapes.get(l);
            INDArray c = lv.clsTower().forward(features.get(l), shape, ctx);
            rowsOf(logits, off, shape).assign(lv.clsScore().forward(c, shape, ctx));
            INDArray b = lv.boxTower().forward(features.get(l), shape, ctx);
            rowsOf(boxes, off, shape).assign(lv.bboxPred().forward(b, shape, ctx));
            rowsOf(ctrness, off, shape).assign(lv.ctr().forward(b, shape, ctx));
            off += shape.rows();
        }
        return new Outputs(logits, boxes, ctrness);
    }

    /** @param logits [R, K] class logits, @param boxes [R, 4], @param centerness [R, 1], rows (level, n, y, x) */
    public record Outputs(INDArray logits, INDArray boxes, INDArray centerness) {}

    /**
     * Adds the head's parameter gradients.
     *
     * @return d each level's input [N*h_l*w_l, C], fine to coarse
     */
    public List<INDArray> backward(INDArray dLogits, INDArray dBoxes, INDArray dCtrness) {
        dInputs.clear();
        long off = 0;
        for (int l = 0; l < levels.size(); l++) {
            Level lv = levels.get(l);
            FeatureMap shape = shapes.get(l);
            INDArray dCls = lv.clsTower().backward(lv.clsScore().backward(rowsOf(dLogits, off, shape).dup()));
            INDArray dIn = dCls.dup();
            INDArray dBoxTower = lv.bboxPred().backward(rowsOf(dBoxes, off, shape).dup()).dup();
            dBoxTower.addi(lv.ctr().backward(rowsOf(dCtrness, off, shape).dup()));
            dIn.addi(lv.boxTower().backward(dBoxTower));
            dInputs.add(dIn);
            off += shape.rows();
        }
        return List.copyOf(dInputs);
    }

    private static INDArray rowsOf(INDArray a, long off, FeatureMap shape) {
        return a.get(NDArrayIndex.interval(off, off + shape.rows()), NDArrayIndex.all());
    }
}
