package dev.maejvm.vit.engine;

import static dev.maejvm.vit.engine.FusedKernelsTest.compare;

import dev.maejvm.vit.layers.Conv2d;
import dev.maejvm.vit.layers.ConvTranspose2d;
import dev.maejvm.vit.layers.FeatureMap;
import dev.maejvm.vit.layers.GroupNorm;
import dev.maejvm.vit.layers.MaxPool2d;
import dev.maejvm.vit.layers.ReLU;
import dev.maejvm.vit.layers.SpatialLayer;
import dev.maejvm.vit.layers.WindowPartition;
import dev.maejvm.vit.layers.WindowUnpartition;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused float32 feature-map kernels ({@link ConvKernels}, GroupNorm in {@link NormKernels},
 * ReLU, the row gather) against the portable ND4J path in float64, through
 * {@link FusedKernelsTest#compare} (1e-4, outputs, input gradients and parameter gradients).
 * Maps of 3 samples with odd, non-square sizes: enough rows to be split over the cores, ranges
 * that do not fall on sample or row boundaries.
 */
class ConvKernelsTest {
    private static final Ctx TRAIN = Ctx.train(new java.util.SplittableRandom(0));

    /** forward then backward with a fixed upstream gradient; returns y and dx. */
    private static Function<INDArray, INDArray[]> run(SpatialLayer layer, FeatureMap map) {
        return x -> {
            INDArray y = layer.forward(x, map, TRAIN).dup();
            INDArray r = Arrays64.normal(new Random(9), y.shape()).castTo(x.dataType());
            return new INDArray[] {y, layer.backward(r).dup()};
        };
    }

    @Test
    void conv2dStride2Padding1MatchesThePortablePath() {
        FeatureMap m = new FeatureMap(3, 9, 11);
        compare("conv k3 s2 p1", s -> run(new Conv2d(s, "c", 5, 6, 3, 2, 1, true), m), m.rows(), 5);
    }

    @Test
    void conv2dStride1Padding1MatchesThePortablePath() {
        FeatureMap m = new FeatureMap(3, 7, 6);
        compare("conv k3 s1 p1", s -> run(new Conv2d(s, "c", 4, 5, 3, 1, 1, false), m), m.rows(), 4);
    }

    @Test
    void conv2dKernel5Stride3MatchesThePortablePath() {
        // k > stride + 1 with a ragged end: taps overlap unevenly in col2im
        FeatureMap m = new FeatureMap(2, 10, 8);
        compare("conv k5 s3 p2", s -> run(new Conv2d(s, "c", 3, 4, 5, 3, 2, true), m), m.rows(), 3);
    }

    @Test
    void convTranspose2dMatchesThePortablePath() {
        FeatureMap m = new FeatureMap(3, 5, 7);
        compare("conv transpose", s -> run(new ConvTranspose2d(s, "u", 6, 4, true), m), m.rows(), 6);
    }

    @Test
    void maxPool2dMatchesThePortablePath() {
        FeatureMap m = new FeatureMap(3, 9, 11);
        compare("max pool", s -> run(new MaxPool2d(Scratch.own("p")), m), m.rows(), 5);
    }

    @Test
    void groupNormMatchesThePortablePath() {
        FeatureMap m = new FeatureMap(3, 5, 7);
        compare("group norm", s -> run(new GroupNorm(s, "g", 4, 8), m), m.rows(), 8);
    }

    @Test
    void groupNormWithoutAffineMatchesThePortablePath() {
        FeatureMap m = new FeatureMap(5, 4, 3);
        compare("group norm, no affine", s -> run(new GroupNorm(s, "g", 3, 6, 1e-5, false, Scratch.own("g")), m),
                m.rows(), 6);
    }

    @Test
    void reluMatchesThePortablePath() {
        compare("relu", s -> {
            ReLU relu = new ReLU(Scratch.own("r"));
            return x -> {
                INDArray y = relu.forward(x, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), x.shape()).castTo(x.dataType());
                return new INDArray[] {y, relu.backward(r).dup()};
            };
        }, 700, 25);
    }

    @Test
    void windowPartitionAndUnpartitionMatchThePortablePath() {
        FeatureMap m = new FeatureMap(2, 9, 11);
        compare("window partition", s -> run(new WindowPartition(4, Scratch.own("w")), m), m.rows(), 5);
        compare("window unpartition", s -> {
            WindowUnpartition un = new WindowUnpartition(4, Scratch.own("u"));
            return x -> {
                INDArray y = un.forward(x, m, TRAIN).dup();
                INDArray r = Arrays64.normal(new Random(9), y.shape()).castTo(x.dataType());
                return new INDArray[] {y, un.backward(r).dup()};
            };
        }, 2 * 12 * 12, 5);
    }
}
