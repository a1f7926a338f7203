package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The analytic FLOP counts against sums done by hand. */
class FlopCountTest {

    @Test
    void theTinyClassifierOnAllPatches() {
        ViTConfig enc = MaeConfig.preset("tiny").encoder();                // 49 patches of 16 values, 192-d, 12 blocks
        double patchEmbed = 2.0 * 49 * 16 * 192;
        double perToken = 2.0 * (4 * 192 * 192 + 2 * 4 * 192 * 192);       // qkv, proj, fc1, fc2
        double attention = 2.0 * 2 * 50 * 50 * 192;                        // q k^T and attn v over the 3 heads
        double head = 2.0 * 192 * 10;
        double forward = patchEmbed + 12 * (50 * perToken + attention) + head;
        assertEquals(forward, FlopCount.classifierForwardPerImage(enc, 10), 0);
        assertEquals(3 * forward, FlopCount.classifierTrainPerImage(enc, 10), 0);
    }

    @Test
    void theClassifiersEncoderCountsAsTheMaeEncoderWithNothingMasked() {
        MaeConfig cfg = MaeConfig.preset("tiny");
        double d = 192;
        double dd = 128;
        double decoder = 2.0 * 50 * d * dd + 4 * (50 * 2.0 * 12 * dd * dd + 4.0 * 50 * 50 * dd) + 2.0 * 50 * dd * 16;
        assertEquals(FlopCount.forwardPerImage(cfg, 0) - decoder,
                FlopCount.classifierForwardPerImage(cfg.encoder(), 1) - 2 * d, 1e-6);
    }
}
