package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.LayerNorm;
import dev.maejvm.vit.layers.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ViT image classifier as timm's VisionTransformer and the official MAE's {@code models_vit}:
 * the encoder on all patches, then {@link GlobalPool#AVG} (average of the patch tokens, then
 * {@code fc_norm}; the encoder has no final {@code norm}) or {@link GlobalPool#TOKEN} (the cls
 * token after the encoder's {@code norm}), then a linear {@code head} initialised trunc-normal
 * with std 2e-5 (MAE's fine-tuning) and bias 0. Parameter names are timm's, so an MAE encoder
 * loads into it by name (with {@code head.*} and {@code fc_norm.*} missing) and a fine-tuned one
 * exports to timm.
 */
public final class ViTClassifier {
    public static final double HEAD_INIT_STD = 2e-5;

    private final ViTConfig cfg;
    private final GlobalPool pool;
    private final int numClasses;
    private final ParamStore params;
    private final VisionTransformer encoder;
    private final LayerNorm fcNorm;     // AVG only
    private final Linear head;
    private int n;
    private INDArray pooled;            // [N, D]
    private INDArray dTokens;           // [N*(1+L), D]

    /** Registers the parameters in {@code params}; the caller builds the store. */
    public ViTClassifier(ParamStore params, ViTConfig cfg, GlobalPool pool, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        this.cfg = cfg;
        this.pool = pool;
        this.numClasses = numClasses;
        this.params = params;
        ScratchPool scratch = new ScratchPool();
        this.encoder = new VisionTransformer(params, cfg, pool == GlobalPool.TOKEN, scratch);
        int d = cfg.embedDim();
        this.fcNorm = pool == GlobalPool.AVG ? new LayerNorm(params, "fc_norm", d, LayerNorm.MAE_EPS, scratch.scope("fc_norm"))
                : null;
        Param w = params.register("head.weight", new long[] {numClasses, d}, new Init.TruncNormal(HEAD_INIT_STD));
        Param b = params.register("head.bias", new long[] {numClasses}, Init.ZEROS);
        this.head = new Linear(w, b, d, numClasses, scratch.scope("head"), false);
    }

    /** A classifier with freshly initialised parameters (from {@code seed}). */
    public static ViTClassifier create(ViTConfig cfg, GlobalPool pool, int numClasses, DataType dataType, long seed) {
        ParamStore store = new ParamStore(dataType);
        ViTClassifier c = new ViTClassifier(store, cfg, pool, numClasses);
        store.build(seed);
        return c;
    }

    public ViTConfig config() {
        return cfg;
    }

    public GlobalPool globalPool() {
        return pool;
    }

    public int numClasses() {
        return numClasses;
    }

    public ParamStore params() {
        return params;
    }

    public VisionTransformer encoder() {
        return encoder;
    }

    /**
     * The pooled features (after {@code fc_norm} with AVG): what a probe or kNN reads.
     *
     * @param imgs [N, C, H, W]
     * @return [N, D], owned by the classifier
     */
    public INDArray features(INDArray imgs, Ctx ctx) {
        n = (int) imgs.size(0);
        INDArray tokens = encoder.forward(imgs, ctx);                           // [N*(1+L), D]
        pooled = Kernels.ensure(pooled, tokens.dataType(), n, cfg.embedDim());
        pool.forward(tokens, n, pooled);
        return fcNorm == null ? pooled : fcNorm.forward(pooled, ctx);
    }

    /**
     * @param imgs [N, C, H, W]
     * @return logits [N, numClasses], owned by the head
     */
    public INDArray forward(INDArray imgs, Ctx ctx) {
        return head.forward(features(imgs, ctx), ctx);
    }

    /** Adds the gradients of the trainable parameters. @param dLogits [N, numClasses] */
    public void backward(INDArray dLogits) {
        INDArray dFeatures = head.backward(dLogits, true);
        INDArray dPooled = fcNorm == null ? dFeatures : fcNorm.backward(dFeatures);
        dTokens = Kernels.ensure(dTokens, dPooled.dataType(), (long) n * (1 + cfg.numPatches()), cfg.embedDim());
        pool.backward(dPooled, n, dTokens);
        encoder.backward(dTokens);
    }
}
