package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Properties with exact answers: patchify, masking, the sin-cos table, config validation. */
class ClosedFormTest {

    @Test
    void unpatchifyInvertsPatchifyExactly() {
        INDArray imgs = Arrays64.normal(new Random(1), 2, 3, 8, 8).castTo(DataType.FLOAT);
        INDArray patches = Patches.patchify(imgs, 4, null);
        assertArrayEquals(new long[] {2, 4, 48}, patches.shape());
        assertEquals(imgs, Patches.unpatchify(patches, 4, 3));
    }

    @Test
    void patchifyLaysOutRowColumnChannel() {
        // pixel (c, y, x) of image 0 must sit in patch (y/p)*gw + x/p at ((y%p)*p + x%p)*C + c
        INDArray imgs = Arrays64.normal(new Random(2), 1, 3, 8, 8);
        INDArray patches = Patches.patchify(imgs, 4, null);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int patch = (y / 4) * 2 + x / 4;
                    int within = ((y % 4) * 4 + x % 4) * 3 + c;
                    assertEquals(imgs.getDouble(0, c, y, x), patches.getDouble(0, patch, within), 0.0);
                }
            }
        }
    }

    @ParameterizedTest(name = "ratio={0}")
    @ValueSource(doubles = {0.0, 0.25, 0.5, 0.75, 0.9})
    void maskingRemovesExactlyTheOfficialShareAndRestoreInvertsShuffle(double ratio) {
        for (int l : new int[] {16, 49, 196}) {
            Masking m = Masking.random(4, l, ratio, new SplittableRandom(l));
            INDArray mask = m.mask(DataType.DOUBLE);
            // the official code keeps int(L * (1 - ratio)) (truncation); at 0.75 this is round(L * ratio) removed
            long removed = l - (long) (l * (1 - ratio));
            if (ratio == 0.75) {
                assertEquals(Math.round(l * ratio), removed);
            }
            for (int s = 0; s < 4; s++) {
                assertEquals(removed, (long) mask.getRow(s).sumNumber().doubleValue(),
                        "masked patches in row " + s + " for L=" + l);
                // the kept ids, placed at their restore positions, are the first K of the shuffle
                for (int k = 0; k < m.lenKeep(); k++) {
                    assertEquals(k, m.idsRestore()[s][m.idsKeep()[s][k]]);
                    assertEquals(0.0, mask.getDouble(s, m.idsKeep()[s][k]));
                }
                // idsRestore is a permutation
                boolean[] seen = new boolean[l];
                for (int p = 0; p < l; p++) {
                    seen[m.idsRestore()[s][p]] = true;
                }
                for (boolean b : seen) {
                    assertTrue(b);
                }
            }
        }
    }

    @Test
    void smallNoiseIsKeptAndRatioZeroKeepsEverythingInOrder() {
        Masking m = Masking.fromNoise(new double[][] {{0.9, 0.1, 0.5, 0.3}}, 0.5);
        assertArrayEquals(new int[] {1, 3}, m.idsKeep()[0]);
        assertArrayEquals(new int[] {3, 0, 2, 1}, m.idsRestore()[0]);
        Masking none = Masking.none(2, 5);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, none.idsKeep()[1]);
        assertEquals(0.0, none.mask(DataType.DOUBLE).sumNumber().doubleValue());
    }

    @Test
    void ratioZeroWithShuffledTokensGivesTheUnshuffledLoss() {
        // Attention is permutation-equivariant and every token carries its own position, so a
        // random order of all patches (ratio 0, as the official random_masking gives) must give
        // the same per-patch predictions, and so the same loss, as the patches in order.
        MaskedAutoencoder mae = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.DOUBLE, 7);
        INDArray imgs = Arrays64.normal(new Random(8), 3, 1, 16, 16);
        Masking shuffled = mae.randomMasking(3, 0.0, new SplittableRandom(9));
        assertTrue(shuffled.idsKeep()[0][0] != 0 || shuffled.idsKeep()[0][1] != 1, "the order is shuffled");
        double inOrder = mae.forward(imgs, Masking.none(3, 16), false, dev.maejvm.vit.engine.Ctx.eval());
        INDArray predInOrder = mae.prediction();
        double random = mae.forward(imgs, shuffled, false, dev.maejvm.vit.engine.Ctx.eval());
        assertEquals(inOrder, random, 1e-12);
        assertTrue(Arrays64.maxAbsDiff(predInOrder, mae.prediction()) < 1e-12, "same prediction per patch");
    }

    @Test
    void sinCosTableMatchesItsFormula() {
        int d = 16;
        int grid = 3;
        double[][] t = SinCosPosEmbed.table(d, grid);
        assertEquals(1 + grid * grid, t.length);
        assertArrayEquals(new double[d], t[0], "cls slot is zero");
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                double[] row = t[1 + i * grid + j];
                for (int k = 0; k < d / 4; k++) {
                    double omega = Math.pow(10000, -k / (d / 4.0));
                    assertEquals(Math.sin(j * omega), row[k], 1e-15, "w sin");
                    assertEquals(Math.cos(j * omega), row[d / 4 + k], 1e-15, "w cos");
                    assertEquals(Math.sin(i * omega), row[d / 2 + k], 1e-15, "h sin");
                    assertEquals(Math.cos(i * omega), row[3 * d / 4 + k], 1e-15, "h cos");
                }
            }
        }
    }

    @Test
    void configsNameTheBadField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ViTConfig(30, 4, 1, 192, 12, 3, 4));
        assertTrue(e.getMessage().contains("imgSize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ViTConfig(28, 4, 1, 190, 12, 3, 4));
        assertTrue(e.getMessage().contains("embedDim"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaeConfig(new ViTConfig(28, 4, 1, 192, 12, 3, 4), 128, 4, 3, false));
        assertTrue(e.getMessage().contains("decoderNumHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaeConfig.preset("vit-z"));
        assertTrue(e.getMessage().contains("tiny"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Masking.fromNoise(new double[][] {{0.1}}, 1.0));
        assertTrue(e.getMessage().contains("maskRatio"), e.getMessage());
        // micro's 16 patches at 0.95 keep int(16 * 0.05) = 0: named, not a crash in the gather
        e = assertThrows(IllegalArgumentException.class, () -> Masking.random(2, 16, 0.95, new Random(1)));
        assertTrue(e.getMessage().contains("maskRatio 0.95 keeps int(16 * (1 - 0.95)) = 0"), e.getMessage());
        assertEquals(1, Masking.random(2, 16, 0.9375, new Random(1)).lenKeep());
    }

    @Test
    void initFollowsTheOfficialCode() {
        MaskedAutoencoder m = MaskedAutoencoder.create(MaeConfig.preset("tiny"), DataType.DOUBLE, 4);
        // patch-embedding bias: PyTorch's Conv2d default U(+-1/sqrt(C*p*p)) = U(+-0.25) for 1x4x4
        INDArray pb = m.params().get("patch_embed.proj.bias").value();
        assertTrue(pb.amaxNumber().doubleValue() <= 0.25 && pb.amaxNumber().doubleValue() > 0.2, pb.toString());
        // Linear biases 0; xavier-uniform weights within sqrt(6 / (fanIn + fanOut))
        assertEquals(0.0, m.params().get("blocks.0.attn.qkv.bias").value().amaxNumber().doubleValue());
        double bound = Math.sqrt(6.0 / (192 + 576));
        double w = m.params().get("blocks.0.attn.qkv.weight").value().amaxNumber().doubleValue();
        assertTrue(w <= bound && w > 0.9 * bound, "qkv weight max " + w + " vs bound " + bound);
        assertEquals(1.0, m.params().get("norm.weight").value().minNumber().doubleValue());
    }

    @Test
    void presetsHaveThePapersShapesAndParameterCounts() {
        // mae_vit_base_patch16_dec512d8b, counted by hand: encoder 85,647,360 (patch_embed 590,592,
        // cls 768, 12 blocks of 7,087,872, norm 1,536) + decoder 26,008,320 (embed 393,728, mask
        // token 512, 8 blocks of 3,152,384, norm 1,024, pred 393,984) = 111,655,680 trainable;
        // with the fixed pos_embed (197 x 768) and decoder_pos_embed (197 x 512): 111,907,840.
        MaeConfig base = MaeConfig.preset("vit-b16");
        dev.maejvm.vit.engine.ParamStore store = new dev.maejvm.vit.engine.ParamStore(DataType.FLOAT);
        MaskedAutoencoder mae = new MaskedAutoencoder(base, store);
        assertEquals(111_655_680L, store.size());
        long fixed = mae.buffers().values().stream().mapToLong(INDArray::length).sum();
        assertEquals(111_907_840L, store.size() + fixed);
        assertEquals(196, base.encoder().numPatches());
        assertEquals(49, Masking.lenKeep(196, 0.75));
    }

    /** Asking for other images' targets between forward and backward must not touch the step. */
    @Test
    void targetsBetweenForwardAndBackwardLeaveTheGradientsAlone() {
        MaskedAutoencoder m = MaskedAutoencoder.create(MaeConfig.preset("micro").withNormPixLoss(true), DataType.DOUBLE, 3);
        INDArray imgs = Arrays64.normal(new Random(4), 2, 1, 16, 16);
        INDArray other = Arrays64.normal(new Random(5), 2, 1, 16, 16);
        Masking masking = Masking.random(2, 16, 0.75, new Random(6));
        m.params().zeroGrads();
        m.forward(imgs, masking);
        m.backward();
        INDArray expected = m.params().grads().dup();

        m.params().zeroGrads();
        m.forward(imgs, masking);
        INDArray t = m.targets(other);
        m.backward();
        assertEquals(expected, m.params().grads());
        assertArrayEquals(new long[] {2, 16, 16}, t.shape());
    }
}
