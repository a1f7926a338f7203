package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Stochastic depth: the identity in evaluation, the expectation kept in training (float64). */
class DropPathTest {
    /** Draws of the expectation test; the bound is 5 standard errors of the mean of a scaled bernoulli. */
    private static final int DRAWS = 5000;

    @Test
    void evaluationIsTheIdentity() {
        DropPath dp = new DropPath(0.3, Scratch.own("dp"));
        INDArray x = Arrays64.normal(new Random(1), 6, 5);
        INDArray before = x.dup();
        assertSame(x, dp.forward(x, 2, DropPath.samplesOfTokens(2, 3), Ctx.eval()));
        assertEquals(before, x, "untouched");
    }

    @Test
    void theResidualAddIsTheIdentityPathPlusTheDroppedBranch() {
        // the same draws through forward (then an add) and forwardAdd, float64 and float32 (the fused kernel)
        for (var type : new org.nd4j.linalg.api.buffer.DataType[] {org.nd4j.linalg.api.buffer.DataType.DOUBLE,
            org.nd4j.linalg.api.buffer.DataType.FLOAT}) {
            INDArray x = Arrays64.normal(new Random(4), 8 * 3, 5).castTo(type);
            INDArray branch = Arrays64.normal(new Random(5), 8 * 3, 5).castTo(type);
            int[] samples = DropPath.samplesOfTokens(8, 3);
            INDArray expected = x.add(new DropPath(0.5, Scratch.own("a")).forward(branch.dup(), 8, samples,
                    Ctx.train(new SplittableRandom(6))));
            INDArray out = x.like();
            new DropPath(0.5, Scratch.own("b")).forwardAdd(x, branch, 8, samples, Ctx.train(new SplittableRandom(6)), out);
            assertEquals(0, Arrays64.maxAbsDiff(expected, out), 1e-6, type.toString());
        }
    }

    @Test
    void trainingKeepsTheExpectationAndDropsWholeSamples() {
        double p = 0.3;
        int n = 4;
        int t = 3;
        DropPath dp = new DropPath(p, Scratch.own("dp"));
        INDArray x = Arrays64.normal(new Random(2), n * t, 5);
        INDArray sum = x.like();
        SplittableRandom rng = new SplittableRandom(3);
        int dropped = 0;
        for (int i = 0; i < DRAWS; i++) {
            INDArray y = dp.forward(x.dup(), n, DropPath.samplesOfTokens(n, t), Ctx.train(rng));
            dp.backward(y);                                        // disarm for the next training pass
            for (int s = 0; s < n; s++) {
                INDArray rows = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(s * t, (s + 1) * t),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
                double scale = rows.getDouble(0, 0) / x.getDouble(s * t, 0);
                assertTrue(Math.abs(scale) < 1e-12 || Math.abs(scale - 1 / (1 - p)) < 1e-12, "0 or 1/keep, got " + scale);
                INDArray expected = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(s * t, (s + 1) * t),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).mul(scale);
                assertTrue(Arrays64.maxAbsDiff(expected, rows) < 1e-12, "one draw per sample, all its rows");
                dropped += Math.abs(scale) < 1e-12 ? 1 : 0;
            }
            sum.addi(y);
        }
        INDArray mean = sum.div(DRAWS);
        // the mean of DRAWS scaled bernoullis: sd of one is x * sqrt(p / (1 - p))
        double sdFactor = Math.sqrt(p / (1 - p)) / Math.sqrt(DRAWS);
        for (int i = 0; i < x.length(); i++) {
            double xi = x.getDouble(i);
            assertEquals(xi, mean.getDouble(i), 5 * sdFactor * Math.abs(xi) + 1e-12, "expectation at " + i);
        }
        assertEquals(p, dropped / (double) (DRAWS * n), 0.01, "drop rate");
    }

    @Test
    void backwardScalesTheGradientAsTheForwardScaledTheBranch() {
        DropPath dp = new DropPath(0.5, Scratch.own("dp"));
        INDArray x = Arrays64.normal(new Random(4), 8, 3);
        INDArray y = dp.forward(x.dup(), 4, DropPath.samplesOfTokens(4, 2), Ctx.train(new SplittableRandom(5)));
        INDArray dy = Arrays64.normal(new Random(6), 8, 3);
        INDArray dx = dp.backward(dy);
        for (int r = 0; r < 8; r++) {
            double scale = y.getDouble(r, 0) / x.getDouble(r, 0);
            for (int j = 0; j < 3; j++) {
                assertEquals(dy.getDouble(r, j) * scale, dx.getDouble(r, j), 1e-12);
            }
        }
    }

    @Test
    void ratesRiseLinearlyOverDepthAsTimm() {
        ViTConfig cfg = new ViTConfig(28, 4, 1, 16, 5, 2, 4.0).withDropPathRate(0.1);
        double[] expected = {0, 0.025, 0.05, 0.075, 0.1};                // torch.linspace(0, 0.1, 5)
        for (int i = 0; i < 5; i++) {
            assertEquals(expected[i], cfg.dropPath(i), 1e-15);
        }
    }
}
