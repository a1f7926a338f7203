package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The whole MAE loss against central finite differences in float64, every parameter. */
class MaeGradientTest {
    private static final MaeConfig SMALL = new MaeConfig(new ViTConfig(12, 4, 2, 8, 2, 2, 4.0), 8, 1, 2, false);

    @ParameterizedTest(name = "normPixLoss={0}")
    @ValueSource(booleans = {false, true})
    void everyParameterMatchesFiniteDifferences(boolean normPix) {
        MaskedAutoencoder mae = MaskedAutoencoder.create(SMALL.withNormPixLoss(normPix), DataType.DOUBLE, 3);
        Random rng = new Random(11);
        // move every parameter off its init so biases, norms and tokens all matter
        mae.params().values().addi(Arrays64.normal(rng, mae.params().size()).muli(0.1));
        INDArray imgs = Arrays64.normal(rng, 3, 2, 12, 12);
        Masking masking = mae.randomMasking(3, 0.5, new SplittableRandom(5));
        mae.params().zeroGrads();
        double loss = mae.forward(imgs, masking);
        assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        mae.backward();
        for (Param p : mae.params().params()) {
            INDArray g = p.grad().dup();
            assertTrue(java.util.Arrays.stream(g.data().asDouble()).allMatch(Double::isFinite),
                    p.name() + " has a non-finite gradient");
            GradCheck.check(p.name(), p.value(), g, () -> mae.forward(imgs, masking, false, Ctx.eval()), 40, 17);
        }
    }

    /**
     * The encoder w/ [M]: every parameter, the encoder's mask token included, against finite
     * differences in float64; and the fused float32 path (mask-token rows written and their
     * gradient taken by the row kernels) against the float64 one, to 1e-4 relative to the largest
     * gradient. The decoder's own mask token is unused w/ [M] (every position comes from the
     * encoder): its gradient is exactly 0.
     */
    @Test
    void theEncoderWithMaskTokensMatchesFiniteDifferencesAndItsFloat32Path() {
        MaeConfig cfg = SMALL.withEncoderMaskTokens(true);
        MaskedAutoencoder mae = MaskedAutoencoder.create(cfg, DataType.DOUBLE, 3);
        Random rng = new Random(13);
        mae.params().values().addi(Arrays64.normal(rng, mae.params().size()).muli(0.1));
        INDArray imgs = Arrays64.normal(rng, 3, 2, 12, 12);
        Masking masking = mae.randomMasking(3, 0.5, new SplittableRandom(7));
        mae.params().zeroGrads();
        double loss = mae.forward(imgs, masking);
        mae.backward();
        for (Param p : mae.params().params()) {
            INDArray g = p.grad().dup();
            if (p.name().equals("mask_token")) {
                assertTrue(g.amaxNumber().doubleValue() == 0, "the decoder's mask token is not used w/ [M]");
            }
            GradCheck.check(p.name(), p.value(), g, () -> mae.forward(imgs, masking, false, Ctx.eval()), 40, 17);
        }
        assertTrue(mae.params().params().stream().anyMatch(p -> p.name().equals("encoder_mask_token")
                && p.grad().amaxNumber().doubleValue() > 0), "the encoder's mask token learns");

        MaskedAutoencoder f32 = MaskedAutoencoder.create(cfg, DataType.FLOAT, 3);
        f32.params().values().assign(mae.params().values().castTo(DataType.FLOAT));
        f32.params().zeroGrads();
        double loss32 = f32.forward(imgs.castTo(DataType.FLOAT), masking);
        f32.backward();
        assertEquals(loss, loss32, 1e-5 * Math.abs(loss));
        double[] g64 = mae.params().grads().data().asDouble();
        double[] g32 = f32.params().grads().data().asDouble();
        double scale = java.util.Arrays.stream(g64).map(Math::abs).max().orElse(1);
        for (int i = 0; i < g64.length; i++) {
            assertEquals(g64[i], g32[i], 1e-4 * scale, "gradient element " + i);
        }
    }

    /** The phases the step benchmark times one by one add up to {@link MaskedAutoencoder#backward}. */
    @Test
    void backwardByPhasesEqualsBackward() {
        MaskedAutoencoder mae = MaskedAutoencoder.create(SMALL, DataType.DOUBLE, 3);
        Random rng = new Random(12);
        mae.params().values().addi(Arrays64.normal(rng, mae.params().size()).muli(0.1));
        INDArray imgs = Arrays64.normal(rng, 3, 2, 12, 12);
        Masking masking = mae.randomMasking(3, 0.5, new SplittableRandom(6));
        mae.params().zeroGrads();
        mae.forward(imgs, masking);
        mae.backward();
        double[] whole = mae.params().grads().data().asDouble();
        mae.params().zeroGrads();
        dev.maejvm.vit.engine.Ctx ctx = dev.maejvm.vit.engine.Ctx.train(new SplittableRandom(0));
        mae.forwardLoss(imgs, mae.forwardDecoder(mae.forwardEncoder(imgs, masking, ctx), masking, ctx), masking);
        mae.backwardEncoder(mae.backwardDecoder(mae.backwardLoss()));
        double[] phased = mae.params().grads().data().asDouble();
        assertTrue(java.util.Arrays.stream(whole).anyMatch(g -> g != 0), "the gradients are not all zero");
        assertArrayEquals(whole, phased, 0.0);
    }

    /**
     * Forming only the predictions the loss reads changes neither the loss nor any gradient: in
     * float64 (the ND4J path) to 1e-12, in float32 (the fused kernels) to 1e-5 relative to the
     * largest gradient; removed patches' predictions are the same, visible ones 0.
     */
    @ParameterizedTest(name = "float32={0}")
    @ValueSource(booleans = {false, true})
    void predictingOnlyTheLossPatchesGivesTheSameLossAndGradients(boolean float32) {
        DataType dt = float32 ? DataType.FLOAT : DataType.DOUBLE;
        // two decoder blocks: only the last one runs on the loss rows
        MaeConfig cfg = float32 ? new MaeConfig(new ViTConfig(16, 4, 1, 32, 2, 2, 4.0), 32, 2, 2, false)
                : new MaeConfig(new ViTConfig(12, 4, 2, 8, 2, 2, 4.0), 8, 2, 2, false);
        int size = cfg.encoder().imgSize();
        int l = cfg.encoder().numPatches();
        for (double ratio : new double[] {0.5, 0.0}) {
            MaskedAutoencoder mae = MaskedAutoencoder.create(cfg, dt, 3);
            Random rng = new Random(13);
            mae.params().values().addi(Arrays64.normal(rng, mae.params().size()).muli(0.1).castTo(dt));
            INDArray imgs = Arrays64.normal(rng, 3, cfg.encoder().inChans(), size, size).castTo(dt);
            Masking masking = mae.randomMasking(3, ratio, new SplittableRandom(7));
            mae.params().zeroGrads();
            double full = mae.forward(imgs, masking);
            INDArray predFull = mae.prediction();
            mae.backward();
            INDArray gradsFull = mae.params().grads().dup();
            mae.params().zeroGrads();
            double pruned = mae.forward(imgs, masking, true);
            INDArray predPruned = mae.prediction();
            mae.backward();
            INDArray gradsPruned = mae.params().grads();
            double tol = float32 ? 1e-5 : 1e-12;
            double scale = gradsFull.amaxNumber().doubleValue();
            assertTrue(Math.abs(full - pruned) <= tol * Math.abs(full), "ratio " + ratio + ": loss " + full + " vs " + pruned);
            assertTrue(Arrays64.maxAbsDiff(gradsFull, gradsPruned) <= tol * scale,
                    "ratio " + ratio + ": gradients differ by " + Arrays64.maxAbsDiff(gradsFull, gradsPruned) + " of " + scale);
            for (int sample = 0; sample < 3; sample++) {
                for (int p = 0; p < l; p++) {
                    boolean read = ratio == 0 || !masking.isKept(sample, p);
                    INDArray a = predFull.get(NDArrayIndex.point(sample), NDArrayIndex.point(p), NDArrayIndex.all());
                    INDArray b = predPruned.get(NDArrayIndex.point(sample), NDArrayIndex.point(p), NDArrayIndex.all());
                    double diff = read ? Arrays64.maxAbsDiff(a, b) : b.amaxNumber().doubleValue();
                    assertTrue(diff <= (float32 ? 1e-5 : 1e-12), "ratio " + ratio + " sample " + sample + " patch " + p
                            + (read ? " (removed): prediction differs by " : " (visible): prediction not 0: ") + diff);
                }
            }
        }
    }
}
