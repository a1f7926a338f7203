package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import dev.maejvm.vit.weights.LoadOptions;
import dev.maejvm.vit.weights.LoadReport;
import dev.maejvm.vit.weights.StateDict;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The encoder beyond MAE: all patches, global pooling (avg + fc_norm, or the cls token), a learned
 * position table, a non-square input, loading an MAE encoder with its table resized.
 */
class ViTClassifierTest {
    /** 8 x 12 pixels in patches of 4: a 2 x 3 grid; learned positions. */
    private static final ViTConfig NON_SQUARE = new ViTConfig(8, 12, 4, 2, 8, 2, 2, 4.0, 0,
            ViTConfig.PosEmbedKind.LEARNED);

    /** L = sum(logits * R); every parameter (the learned pos_embed, fc_norm, head included) against finite differences. */
    @ParameterizedTest
    @EnumSource(GlobalPool.class)
    void everyParameterMatchesFiniteDifferences(GlobalPool pool) {
        ViTClassifier clf = ViTClassifier.create(NON_SQUARE, pool, 3, DataType.DOUBLE, 1);
        Random rng = new Random(2);
        clf.params().values().addi(Arrays64.normal(rng, clf.params().size()).muli(0.1));   // the head's init is ~0
        INDArray imgs = Arrays64.normal(rng, 2, 2, 8, 12);
        INDArray logits = clf.forward(imgs, Ctx.train(new SplittableRandom(0)));
        assertArrayEquals(new long[] {2, 3}, logits.shape());
        INDArray r = Arrays64.normal(rng, 2, 3);
        clf.params().zeroGrads();
        clf.backward(r);
        for (Param p : clf.params().params()) {
            INDArray g = p.grad().dup();
            GradCheck.check(pool + " " + p.name(), p.value(), g, () -> Arrays64.dot(clf.forward(imgs, Ctx.eval()), r), 30, 3);
        }
        assertEquals(pool == GlobalPool.AVG, clf.params().contains("fc_norm.weight"));
        assertEquals(pool == GlobalPool.TOKEN, clf.params().contains("norm.weight"), "timm drops norm for avg pooling");
    }

    @Test
    void avgPoolingAveragesThePatchTokensNotCls() {
        INDArray tokens = Arrays64.normal(new Random(3), 2 * 4, 5);          // 2 samples, cls + 3 patches
        INDArray out = Arrays64.normal(new Random(4), 2, 5);
        GlobalPool.AVG.forward(tokens, 2, out);
        for (int s = 0; s < 2; s++) {
            for (int j = 0; j < 5; j++) {
                double mean = (tokens.getDouble(s * 4 + 1, j) + tokens.getDouble(s * 4 + 2, j) + tokens.getDouble(s * 4 + 3, j)) / 3;
                assertEquals(mean, out.getDouble(s, j), 1e-15);
            }
        }
        GlobalPool.TOKEN.forward(tokens, 2, out);
        assertEquals(tokens.getRow(4), out.getRow(1), "cls of sample 1");
    }

    @Test
    void anMaeEncoderLoadsWithItsPositionTableResizedAndTheHeadMissing() {
        // pretrained at 16 x 16 (4 x 4 grid), fine-tuned at 32 x 32 (8 x 8 grid)
        MaskedAutoencoder mae = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.FLOAT, 5);
        ViTConfig big = mae.config().encoder().withImgSize(32, 32).withPosEmbed(ViTConfig.PosEmbedKind.LEARNED);
        ViTClassifier clf = ViTClassifier.create(big, GlobalPool.AVG, 10, DataType.FLOAT, 6);
        INDArray headBefore = clf.params().get("head.weight").value().dup();
        LoadOptions options = LoadOptions.LENIENT.allowMissing(k -> k.startsWith("head.") || k.startsWith("fc_norm."))
                .interpolatePositionsTo(8, 8);
        LoadReport report = StateDict.load(clf.params(), StateDict.encoderOnly(StateDict.of(mae)), options);
        assertEquals(java.util.List.of("pos_embed"), report.interpolated());
        assertEquals(java.util.List.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias"), report.missing());
        assertEquals(java.util.List.of("norm.weight", "norm.bias"), report.unexpected(), "avg pooling has no final norm");
        INDArray expected = PosEmbedInterpolation.interpolate(mae.encoder().posEmbed(), 4, 4, 8, 8, 1);
        assertTrue(Arrays64.maxAbsDiff(expected, clf.encoder().posEmbed()) < 1e-6, "the table resized bicubically");
        assertEquals(mae.params().get("blocks.1.mlp.fc2.weight").value(), clf.params().get("blocks.1.mlp.fc2.weight").value());
        assertEquals(headBefore, clf.params().get("head.weight").value(), "the head keeps its init");
        assertFalse(clf.params().get("pos_embed").value().equals(expected.reshape(1, 65, 32).mul(0)), "not left zero");
    }

    @Test
    void allPatchesInOrderGiveTheSameEncodingAsAMaskingThatKeepsThemAll() {
        MaskedAutoencoder mae = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.DOUBLE, 7);
        INDArray imgs = Arrays64.normal(new Random(8), 3, 1, 16, 16);
        INDArray all = mae.encoder().forward(imgs, Ctx.eval()).dup();
        INDArray kept = mae.encoder().forward(imgs, Masking.none(3, 16), Ctx.eval());
        assertEquals(0, Arrays64.maxAbsDiff(all, kept), 1e-12);
    }
}
