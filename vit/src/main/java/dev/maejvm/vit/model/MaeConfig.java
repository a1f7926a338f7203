package dev.maejvm.vit.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A masked autoencoder: the ViT encoder, the light decoder, and the target normalisation.
 * Presets follow the MAE paper (decoder 512-d, 8 blocks, 16 heads) and a {@code tiny} one for
 * 28 x 28 gray images.
 *
 * @param encoder the ViT encoder
 * @param decoderEmbedDim decoder token width
 * @param decoderDepth decoder blocks
 * @param decoderNumHeads decoder attention heads
 * @param normPixLoss predict per-patch normalised pixels ((t - mean) / sqrt(var + 1e-6))
 * @param encoderMaskTokens the paper's "encoder w/ [M]" (Table 2): the encoder runs on every
 *     patch, the removed ones replaced by a learned mask token ({@code encoder_mask_token}), and
 *     the decoder takes all its outputs; the MAE itself (false) encodes the visible patches only
 */
public record MaeConfig(ViTConfig encoder, int decoderEmbedDim, int decoderDepth, int decoderNumHeads, boolean normPixLoss,
                        boolean encoderMaskTokens) {

    /** The named presets, in order of size. */
    public static final Map<String, MaeConfig> PRESETS = presets();

    public MaeConfig {
        if (encoder == null) {
            throw new IllegalArgumentException("encoder must be given");
        }
        ViTConfig.positive("decoderEmbedDim", decoderEmbedDim);
        ViTConfig.positive("decoderDepth", decoderDepth);
        ViTConfig.positive("decoderNumHeads", decoderNumHeads);
        if (decoderEmbedDim % decoderNumHeads != 0) {
            throw new IllegalArgumentException("decoderEmbedDim (" + decoderEmbedDim
                    + ") must be divisible by decoderNumHeads (" + decoderNumHeads + ")");
        }
        if (decoderEmbedDim % 4 != 0) {
            throw new IllegalArgumentException("decoderEmbedDim (" + decoderEmbedDim + ") must be a multiple of 4");
        }
    }

    /** The MAE: the encoder on the visible patches only. */
    public MaeConfig(ViTConfig encoder, int decoderEmbedDim, int decoderDepth, int decoderNumHeads, boolean normPixLoss) {
        this(encoder, decoderEmbedDim, decoderDepth, decoderNumHeads, normPixLoss, false);
    }

    /** The preset of this name; the error lists the known ones. */
    public static MaeConfig preset(String name) {
        MaeConfig c = PRESETS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + PRESETS.keySet());
        }
        return c;
    }

    public MaeConfig withNormPixLoss(boolean value) {
        return new MaeConfig(encoder, decoderEmbedDim, decoderDepth, decoderNumHeads, value, encoderMaskTokens);
    }

    public MaeConfig withEncoderMaskTokens(boolean value) {
        return new MaeConfig(encoder, decoderEmbedDim, decoderDepth, decoderNumHeads, normPixLoss, value);
    }

    private static Map<String, MaeConfig> presets() {
        Map<String, MaeConfig> m = new LinkedHashMap<>();
        // 28 x 28 gray (Fashion-MNIST): 49 patches of 4 x 4; ViT-Tiny width; small decoder.
        m.put("tiny", new MaeConfig(new ViTConfig(28, 4, 1, 192, 12, 3, 4.0), 128, 4, 4, false));
        // A few-second model for smoke tests and trying a pipeline end to end (16 x 16 gray).
        m.put("micro", new MaeConfig(new ViTConfig(16, 4, 1, 32, 2, 2, 4.0), 32, 1, 2, false));
        // The paper's models (mae_vit_*_dec512d8b), norm-pix targets as in its best results.
        m.put("vit-s16", new MaeConfig(new ViTConfig(224, 16, 3, 384, 12, 6, 4.0), 512, 8, 16, true));
        m.put("vit-b16", new MaeConfig(new ViTConfig(224, 16, 3, 768, 12, 12, 4.0), 512, 8, 16, true));
        m.put("vit-l16", new MaeConfig(new ViTConfig(224, 16, 3, 1024, 24, 16, 4.0), 512, 8, 16, true));
        m.put("vit-h14", new MaeConfig(new ViTConfig(224, 14, 3, 1280, 32, 16, 4.0), 512, 8, 16, true));
        return java.util.Collections.unmodifiableMap(m);
    }
}
