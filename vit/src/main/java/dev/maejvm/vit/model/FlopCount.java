package dev.maejvm.vit.model;

/**
 * Analytic multiply-add count of the MAE forward pass and of a classifier's on all patches (2
 * FLOPs per multiply-add, matrix products only: they are all but a few percent of the work). A
 * training step is counted as 3x the forward (backward = 2x forward), the usual convention.
 */
public final class FlopCount {
    private FlopCount() {}

    /** Forward FLOPs per image at this mask ratio (the encoder w/ [M] runs on every patch). */
    public static double forwardPerImage(MaeConfig cfg, double maskRatio) {
        ViTConfig enc = cfg.encoder();
        int l = enc.numPatches();
        int keep = cfg.encoderMaskTokens() ? l : Masking.lenKeep(l, maskRatio);
        double d = enc.embedDim();
        double dd = cfg.decoderEmbedDim();
        double te = 1 + keep;
        double td = 1 + l;
        double flops = 2.0 * keep * enc.patchDim() * d;                                     // patch embedding
        flops += enc.depth() * (te * blockLinear(d, enc.mlpRatio()) + attention(te, d));
        flops += 2.0 * te * d * dd;                                                        // decoder_embed
        flops += cfg.decoderDepth() * (td * blockLinear(dd, enc.mlpRatio()) + attention(td, dd));
        flops += 2.0 * td * dd * enc.patchDim();                                           // decoder_pred
        return flops;
    }

    /** FLOPs of one training step (forward + backward) per image. */
    public static double trainPerImage(MaeConfig cfg, double maskRatio) {
        return 3 * forwardPerImage(cfg, maskRatio);
    }

    /**
     * Forward FLOPs per image of a {@link ViTClassifier} (the encoder on all L patches and cls,
     * then the head; pooling and norms are not products).
     */
    public static double classifierForwardPerImage(ViTConfig enc, int numClasses) {
        int l = enc.numPatches();
        double d = enc.embedDim();
        double t = 1 + l;
        double flops = 2.0 * l * enc.patchDim() * d;                                        // patch embedding
        flops += enc.depth() * (t * blockLinear(d, enc.mlpRatio()) + attention(t, d));
        flops += 2.0 * d * numClasses;                                                     // head
        return flops;
    }

    /** FLOPs of one classifier training step (forward + backward) per image. */
    public static double classifierTrainPerImage(ViTConfig enc, int numClasses) {
        return 3 * classifierForwardPerImage(enc, numClasses);
    }

    /** qkv, proj, fc1, fc2 per token: 2 (3 D^2 + D^2 + 2 r D^2). */
    private static double blockLinear(double d, double mlpRatio) {
        return 2 * (4 * d * d + 2 * mlpRatio * d * d);
    }

    /** q k^T and attn v over all heads of one sequence of t tokens. */
    private static double attention(double t, double d) {
        return 2 * 2 * t * t * d;
    }
}
