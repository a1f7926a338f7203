package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.testing.Arrays64;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The feature-map layers against PyTorch's float64 modules
 * ({@code src/test/resources/golden/make_detection_layers.py}, which writes
 * {@code detection_layers.safetensors}: per case the input in torch's [N, C, H, W], the
 * parameters in torch's layouts, the output, an upstream r and torch's gradients of
 * L = sum(y * r)). Maps are moved channels-last here; the parameters are loaded as they are
 * (the layers keep torch's layouts). Both sides run float64 and differ only in summation order:
 * 1e-12 on values of order 1 (a wrong tap, stride, padding or layout moves them by 1e-1).
 */
class DetectionLayersTorchTest {
    static final double TOL = 1e-12;
    private static final Ctx TRAIN = Ctx.train(new SplittableRandom(0));
    static Map<String, INDArray> golden;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        Path p = Path.of(DetectionLayersTorchTest.class.getResource("/golden/detection_layers.safetensors").toURI());
        golden = SafeTensors.read(p, DataType.DOUBLE).tensors();
    }

    static INDArray get(String name) {
        INDArray a = golden.get(name);
        if (a == null) {
            throw new IllegalStateException("no " + name + " in detection_layers.safetensors");
        }
        return a;
    }

    /** [N, C, H, W] -> rows [N*H*W, C]. */
    static INDArray rows(INDArray nchw) {
        long n = nchw.size(0), c = nchw.size(1), h = nchw.size(2), w = nchw.size(3);
        return nchw.permute(0, 2, 3, 1).dup('c').reshape('c', n * h * w, c);
    }

    static FeatureMap map(INDArray nchw) {
        return new FeatureMap((int) nchw.size(0), (int) nchw.size(2), (int) nchw.size(3));
    }

    static void assertClose(String what, INDArray expected, INDArray got) {
        double scale = Math.max(1, org.nd4j.linalg.ops.transforms.Transforms.abs(expected, true).maxNumber().doubleValue());
        double err = Arrays64.maxAbsDiff(expected, got) / scale;
        assertTrue(err < TOL, what + ": " + Arrays64.worstDiff(expected, got));
    }

    /** Loads the case's parameters, runs forward and backward, compares y, dx and every parameter's gradient. */
    private static void check(String c, ParamStore store, SpatialLayer layer) {
        for (Param p : store.params()) {
            String key = c + "." + p.name().substring(p.name().lastIndexOf('.') + 1);
            p.value().assign(get(key));
        }
        store.zeroGrads();
        INDArray x = get(c + ".x");
        INDArray y = layer.forward(rows(x), map(x), TRAIN).dup();
        assertClose(c + " y", rows(get(c + ".y")), y);
        INDArray dx = layer.backward(rows(get(c + ".r")));
        assertClose(c + " grad x", rows(get(c + ".grad.x")), dx);
        for (Param p : store.params()) {
            String key = c + ".grad." + p.name().substring(p.name().lastIndexOf('.') + 1);
            assertClose(c + " grad " + p.name(), get(key), p.grad());
        }
    }

    @Test
    void conv2dStride2Padding1NonSquareMatchesTorch() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 3, 4, 3, 2, 1, true);
        store.build(0);
        check("conv_s2p1", store, conv);
    }

    @Test
    void conv2dStride1Padding1WithoutBiasMatchesTorch() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Conv2d conv = new Conv2d(store, "conv", 2, 3, 3, 1, 1, false);
        store.build(0);
        check("conv_s1p1", store, conv);
    }

    @Test
    void convTranspose2dMatchesTorch() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        ConvTranspose2d up = new ConvTranspose2d(store, "up", 4, 3, true);
        store.build(0);
        check("convt", store, up);
    }

    @Test
    void maxPool2dOnOddSizesWithTiesMatchesTorch() {
        // values on a 0.5 grid: many windows tie, and torch routes the gradient to the first maximum
        check("maxpool", new ParamStore(DataType.DOUBLE).build(0), new MaxPool2d(Scratch.own("pool")));
    }

    @Test
    void groupNormMatchesTorch() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        GroupNorm gn = new GroupNorm(store, "gn", 3, 6);
        store.build(0);
        check("groupnorm", store, gn);
    }

    @Test
    void float32PathsMatchTorch() {
        // the fused float32 kernels against the same float64 references, at a float32 tolerance
        for (String c : new String[] {"conv_s2p1", "convt", "maxpool", "groupnorm"}) {
            ParamStore store = new ParamStore(DataType.FLOAT);
            SpatialLayer layer = switch (c) {
                case "conv_s2p1" -> new Conv2d(store, "conv", 3, 4, 3, 2, 1, true);
                case "convt" -> new ConvTranspose2d(store, "up", 4, 3, true);
                case "maxpool" -> new MaxPool2d(Scratch.own("pool"));
                default -> new GroupNorm(store, "gn", 3, 6);
            };
            store.build(0);
            for (Param p : store.params()) {
                p.value().assign(get(c + "." + p.name().substring(p.name().lastIndexOf('.') + 1)).castTo(DataType.FLOAT));
            }
            store.zeroGrads();
            INDArray x = get(c + ".x");
            INDArray y = layer.forward(rows(x).castTo(DataType.FLOAT), map(x), TRAIN).dup();
            double err = Arrays64.maxAbsDiff(rows(get(c + ".y")), y);
            assertTrue(err < 1e-5, c + " float32 y: " + Arrays64.worstDiff(rows(get(c + ".y")), y));
            INDArray dx = layer.backward(rows(get(c + ".r")).castTo(DataType.FLOAT));
            double errDx = Arrays64.maxAbsDiff(rows(get(c + ".grad.x")), dx);
            assertTrue(errDx < 1e-5, c + " float32 grad x: " + Arrays64.worstDiff(rows(get(c + ".grad.x")), dx));
        }
    }

    @Test
    void windowPartitionAndUnpartitionMatchDetectron2() {
        // tokens [2, 5, 7, 4] (channels-last already), windows of 3: padded to 6 x 9, 2 x 3 windows a sample
        INDArray x = get("window.x");
        FeatureMap m = new FeatureMap(2, 5, 7);
        INDArray rowsX = x.dup('c').reshape('c', m.rows(), 4);
        WindowPartition part = new WindowPartition(3, Scratch.own("wp"));
        assertTrue(part.outShape(m).equals(new FeatureMap(12, 3, 3)), "windows: " + part.outShape(m));
        INDArray windows = part.forward(rowsX, m, TRAIN).dup();
        assertClose("windows", get("window.windows").dup('c').reshape('c', 12 * 9, 4), windows);
        INDArray dx = part.backward(get("window.r").dup('c').reshape('c', 12 * 9, 4));
        assertClose("window partition grad x", get("window.grad.x").dup('c').reshape('c', m.rows(), 4), dx);
        WindowUnpartition un = new WindowUnpartition(3, Scratch.own("wu"));
        INDArray back = un.forward(windows, m, Ctx.eval());
        assertClose("unpartitioned", get("window.unpartitioned").dup('c').reshape('c', m.rows(), 4), back);
    }
}
