package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The feature-map layers' backward (input and every parameter) against central finite
 * differences in float64, bounds as {@link GradCheck} (1e-5 relative, 1e-8 absolute), through
 * {@link LayerGradientTest#checkLayer}: L = sum(y * R), evaluation passes for the differences.
 * Maps are non-square with odd sizes where a layer drops or pads rows.
 */
class SpatialLayerGradientTest {

    private static void checkSpatial(String name, ParamStore store, SpatialLayer layer, FeatureMap map, int channels, long seed) {
        INDArray x = Arrays64.normal(new Random(seed), map.rows(), channels).muli(1.5).addi(0.2);
        LayerGradientTest.checkLayer(name, store, x, (in, ctx) -> layer.forward(in, map, ctx), layer::backward);
    }

    @Test
    void conv2dStride2Padding1() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 3, 4, 3, 2, 1, true);
        store.build(1);
        checkSpatial("conv2d k3 s2 p1", store, conv, new FeatureMap(2, 5, 7), 3, 11);
    }

    @Test
    void conv2dStride1Padding1WithoutBias() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 2, 3, 3, 1, 1, false, new Init.Normal(0.01), Init.ZEROS, Scratch.own("conv"));
        store.build(1);
        checkSpatial("conv2d k3 s1 p1", store, conv, new FeatureMap(1, 4, 3), 2, 12);
    }

    @Test
    void conv2dStride2NoPaddingDropsTheLastRowAndColumn() {
        // 6 x 7, k3 s2 p0: Ho = 2, Wo = 3; input row 5 reaches no output (its gradient is 0)
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 2, 3, 3, 2, 0, true);
        store.build(1);
        checkSpatial("conv2d k3 s2 p0", store, conv, new FeatureMap(2, 6, 7), 2, 13);
    }

    @Test
    void conv2dPointwiseIsALinear() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 5, 3, 1, 1, 0, true);
        store.build(1);
        checkSpatial("conv2d 1x1", store, conv, new FeatureMap(2, 3, 2), 5, 14);
    }

    @Test
    void convTranspose2d() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        ConvTranspose2d up = new ConvTranspose2d(store, "up", 4, 3, true);
        store.build(1);
        checkSpatial("conv transpose 2x2 s2", store, up, new FeatureMap(2, 3, 5), 4, 15);
    }

    @Test
    void convTranspose2dWithoutBias() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        ConvTranspose2d up = new ConvTranspose2d(store, "up", 3, 2, false, Init.torchConvDefault(8), Init.ZEROS, Scratch.own("up"));
        store.build(1);
        checkSpatial("conv transpose, no bias", store, up, new FeatureMap(1, 2, 3), 3, 16);
    }

    @Test
    void maxPool2dOnOddSizes() {
        // random normal values: no ties, so the maximum is differentiable at the sample
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        checkSpatial("max pool 2x2", none, new MaxPool2d(Scratch.own("pool")), new FeatureMap(2, 5, 7), 3, 17);
    }

    @Test
    void groupNorm() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        GroupNorm gn = new GroupNorm(store, "gn", 3, 6);
        store.build(1);
        checkSpatial("group norm 3 x 2", store, gn, new FeatureMap(2, 3, 4), 6, 18);
    }

    @Test
    void groupNormWithoutAffine() {
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        GroupNorm gn = new GroupNorm(none, "gn", 2, 4, 1e-5, false, Scratch.own("gn"));
        checkSpatial("group norm, no affine", none, gn, new FeatureMap(3, 2, 3), 4, 19);
    }

    @Test
    void relu() {
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        ReLU relu = new ReLU(Scratch.own("relu"));
        INDArray x = Arrays64.normal(new Random(20), 7, 5);
        LayerGradientTest.checkLayer("relu", none, x, relu::forward, relu::backward);
    }

    @Test
    void windowPartitionWithPadding() {
        // 5 x 7 in windows of 3: padded to 6 x 9, 2 x 3 windows a sample
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        checkSpatial("window partition", none, new WindowPartition(3, Scratch.own("wp")), new FeatureMap(2, 5, 7), 4, 21);
    }

    @Test
    void windowUnpartitionWithPadding() {
        ParamStore none = new ParamStore(DataType.DOUBLE).build(0);
        FeatureMap map = new FeatureMap(2, 5, 7);
        WindowUnpartition un = new WindowUnpartition(3, Scratch.own("wu"));
        INDArray windows = Arrays64.normal(new Random(22), 2 * 6 * 9, 4);
        LayerGradientTest.checkLayer("window unpartition", none, windows, (in, ctx) -> un.forward(in, map, ctx), un::backward);
    }

    @Test
    void convPyramidStage() {
        // a simple-feature-pyramid stage (ViTDet's 4x one): up 2x, LayerNorm over channels, GELU, up 2x,
        // then 1x1 conv, LayerNorm, 3x3 conv, LayerNorm; and an FCOS-style tower tail, GroupNorm, ReLU
        ParamStore store = new ParamStore(DataType.DOUBLE);
        SpatialSequential stage = SpatialSequential.of(
                new ConvTranspose2d(store, "simfp_2.0", 4, 3, true),
                SpatialLayer.rows(new LayerNorm(store, "simfp_2.1", 3, 1e-6)),
                SpatialLayer.rows(new Gelu(Scratch.own("simfp_2.2"))),
                new ConvTranspose2d(store, "simfp_2.3", 3, 2, true),
                new Conv2d(store, "simfp_2.4", 2, 4, 1, 1, 0, false),
                SpatialLayer.rows(new LayerNorm(store, "simfp_2.4.norm", 4, 1e-6)),
                new Conv2d(store, "simfp_2.5", 4, 4, 3, 1, 1, false),
                SpatialLayer.rows(new LayerNorm(store, "simfp_2.5.norm", 4, 1e-6)),
                new GroupNorm(store, "gn", 2, 4),
                SpatialLayer.rows(new ReLU(Scratch.own("relu"))));
        store.build(1);
        FeatureMap in = new FeatureMap(1, 2, 1);
        org.junit.jupiter.api.Assertions.assertEquals(new FeatureMap(1, 8, 4), stage.outShape(in));
        checkSpatial("pyramid stage", store, stage, in, 4, 23);
    }

    @Test
    void headSharedOverTwoLevelsAddsBothLevelsGradients() {
        // FCOS-style: the same conv + GroupNorm + ReLU applied to two pyramid levels, one instance per
        // level over the same parameters; the levels' rows are stacked in x and in y
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d first = new Conv2d(store, "head.conv", 3, 4, 3, 1, 1, true, new Init.Normal(0.3), Init.ZEROS, Scratch.own("l0"));
        GroupNorm gnFirst = new GroupNorm(store, "head.gn", 2, 4);
        Conv2d second = new Conv2d(store.get("head.conv.weight"), store.get("head.conv.bias"), 1, 1, Scratch.own("l1"));
        GroupNorm gnSecond = new GroupNorm(store.get("head.gn.weight"), store.get("head.gn.bias"), 2, GroupNorm.TORCH_EPS,
                Scratch.own("l1.gn"));
        store.build(1);
        FeatureMap p3 = new FeatureMap(2, 4, 3);
        FeatureMap p4 = new FeatureMap(2, 2, 2);
        int r3 = p3.rows();
        int r4 = p4.rows();
        INDArray x = Arrays64.normal(new Random(24), r3 + r4, 3);
        LayerGradientTest.checkLayer("shared head", store, x, (in, ctx) -> {
            INDArray a = gnFirst.forward(first.forward(rowsOf(in, 0, r3), p3, ctx), p3, ctx);
            INDArray b = gnSecond.forward(second.forward(rowsOf(in, r3, r3 + r4), p4, ctx), p4, ctx);
            return org.nd4j.linalg.factory.Nd4j.vstack(a, b);
        }, dy -> {
            INDArray a = first.backward(gnFirst.backward(rowsOf(dy, 0, r3))).dup();
            INDArray b = second.backward(gnSecond.backward(rowsOf(dy, r3, r3 + r4))).dup();
            return org.nd4j.linalg.factory.Nd4j.vstack(a, b);
        });
    }

    /** Rows [from, to) of a as a c-order copy. */
    private static INDArray rowsOf(INDArray a, int from, int to) {
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .dup('c');
    }
}
