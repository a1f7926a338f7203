package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.RowKernels;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.Block;
import dev.maejvm.vit.layers.LayerNorm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The ViT encoder: patch embedding, position table, a learned cls token, pre-norm blocks (drop
 * path rising linearly over depth) and a final norm. MAE pretraining runs it on the kept patches
 * of a {@link Masking}; transfer runs it on all patches. Parameter names are timm's
 * ({@code cls_token}, {@code pos_embed}, {@code patch_embed.proj.*}, {@code blocks.N.*},
 * {@code norm.*}). The position table is a fixed sin-cos buffer or a learned parameter
 * ({@link ViTConfig#posEmbed}); either is named {@code pos_embed}, shaped [1, 1 + L, D].
 */
public final class VisionTransformer {
    private final ViTConfig cfg;
    private final Param clsToken;     // [1, 1, D]
    private final PatchEmbed patchEmbed;
    private final Param posEmbedParam;  // [1, 1 + L, D] when learned, else null
    private final INDArray posEmbed;  // [1 + L, D]: the buffer, or a view of the parameter
    private final Block[] blocks;
    private final LayerNorm norm;     // null without a final norm (global pooling applies fc_norm instead)
    private final Param maskToken;    // [1, 1, D], the encoder w/ [M]'s (null otherwise)
    private int[] maskedRows;         // rows of the last forward that hold the mask token (null: none)
    private int n;
    private int keep;
    private int[] posRows;            // [N*K]: the position row of each kept token
    private INDArray posKept;         // [N*K, D]
    private INDArray x0;              // [N*(1+K), D]
    private INDArray dTokens;         // [N*K, D]
    private INDArray dClsRows;        // [N, D]
    private INDArray dClsSum;         // [D]

    /** MAE's encoder: with its final norm, its layers sharing buffers in a pool of its own. */
    public VisionTransformer(ParamStore store, ViTConfig cfg) {
        this(store, cfg, true, new ScratchPool());
    }

    /**
     * @param finalNorm whether the blocks are followed by {@code norm} (timm drops it for global
     *     average pooling, which normalises after pooling with {@code fc_norm})
     * @param pool the model's scratch pool: the encoder's blocks share the scope {@code blocks}
     */
    public VisionTransformer(ParamStore store, ViTConfig cfg, boolean finalNorm, ScratchPool pool) {
        this(store, cfg, finalNorm, false, pool);
    }

    /**
     * @param maskToken with a learned {@code encoder_mask_token} [1, 1, D] for {@link
     *     #forwardWithMaskTokens} (the paper's encoder w/ [M]; init normal 0.02 as MAE's mask token)
     */
    public VisionTransformer(ParamStore store, ViTConfig cfg, boolean finalNorm, boolean maskToken, ScratchPool pool) {
        this.cfg = cfg;
        int d = cfg.embedDim();
        this.patchEmbed = new PatchEmbed(store, cfg, pool.scope("patch_embed"));
        // decayed in pretraining: add_weight_decay (timm 0.3.2) skips only 1-D tensors and biases
        this.clsToken = store.register("cls_token", new long[] {1, 1, d}, new Init.Normal(0.02));
        long[] posShape = {1, 1 + cfg.numPatches(), d};
        if (cfg.posEmbed() == ViTConfig.PosEmbedKind.LEARNED) {
            // timm's init (trunc_normal_ std 0.02); transfer overwrites it with the checkpoint's table
            this.posEmbedParam = store.register("pos_embed", posShape, new Init.TruncNormal(0.02));
            this.posEmbed = null;
        } else {
            this.posEmbedParam = null;
            this.posEmbed = store.registerBuffer("pos_embed", SinCosPosEmbed.create(d, cfg.gridHeight(), cfg.gridWidth(),
                    store.dataType()).reshape('c', posShape), true).reshape('c', posShape[1], d);
        }
        this.blocks = new Block[cfg.depth()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(store, "blocks." + i, d, cfg.numHeads(), cfg.mlpRatio(), LayerNorm.MAE_EPS, cfg.dropPath(i),
                    pool.scope("blocks"));
        }
        this.norm = finalNorm ? new LayerNorm(store, "norm", d, LayerNorm.MAE_EPS, pool.scope("norm")) : null;
        this.maskToken = maskToken ? store.register("encoder_mask_token", new long[] {1, 1, d}, new Init.Normal(0.02)) : null;
    }

    public ViTConfig config() {
        return cfg;
    }

    /** The position table [1 + L, D] (the state dict's {@code pos_embed} without its batch axis). */
    public INDArray posEmbed() {
        return posEmbedParam != null ? posEmbedParam.value().reshape('c', 1 + cfg.numPatches(), cfg.embedDim()) : posEmbed;
    }

    /**
     * The official {@code forward_encoder}: embed the kept patches, add their positions, prepend
     * cls, run the blocks and the norm.
     *
     * @param imgs [N, C, H, W]
     * @return latent [N*(1+K), D] (rows: sample, then cls and the K kept tokens), owned by the encoder
     */
    public INDArray forward(INDArray imgs, Masking masking, Ctx ctx) {
        int l = cfg.numPatches();
        int n = masking.batchSize();
        int keep = masking.lenKeep();
        int[] rows = new int[n * keep];
        int[] pos = new int[n * keep];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < keep; k++) {
                rows[s * keep + k] = s * l + masking.idsKeep()[s][k];
                pos[s * keep + k] = 1 + masking.idsKeep()[s][k];
            }
        }
        return forward(imgs, n, keep, rows, pos, null, ctx);
    }

    /**
     * The encoder w/ [M] (MAE paper, Table 2): every patch in grid order, each removed one's
     * embedding replaced by the mask token before its position is added, so the encoder sees the
     * whole grid (and costs as much as on the unmasked image).
     *
     * @param imgs [N, C, H, W]
     * @return tokens [N*(1+L), D] (rows: sample, then cls and the L patches in grid order), owned by the encoder
     */
    public INDArray forwardWithMaskTokens(INDArray imgs, Masking masking, Ctx ctx) {
        if (maskToken == null) {
            throw new IllegalStateException("this encoder has no mask token (MaeConfig.encoderMaskTokens)");
        }
        int l = cfg.numPatches();
        int n = masking.batchSize();
        int[] pos = new int[n * l];
        int[] masked = new int[n * (l - masking.lenKeep())];
        int m = 0;
        for (int r = 0; r < pos.length; r++) {
            pos[r] = 1 + r % l;
            if (!masking.isKept(r / l, r % l)) {
                masked[m++] = r;
            }
        }
        return forward(imgs, n, l, null, pos, masked, ctx);
    }

    /**
     * The encoder on every patch, in order (fine-tuning, probing, features).
     *
     * @param imgs [N, C, H, W]
     * @return tokens [N*(1+L), D] (rows: sample, then cls and the L patches in grid order), owned by the encoder
     */
    public INDArray forward(INDArray imgs, Ctx ctx) {
        int l = cfg.numPatches();
        int n = (int) imgs.size(0);
        int[] pos = new int[n * l];
        for (int r = 0; r < pos.length; r++) {
            pos[r] = 1 + r % l;
        }
        return forward(imgs, n, l, null, pos, null, ctx);
    }

    /** @param masked token rows whose embedding is replaced by the mask token, or null */
    private INDArray forward(INDArray imgs, int n, int keep, int[] rows, int[] pos, int[] masked, Ctx ctx) {
        DataType dt = imgs.dataType();
        int d = cfg.embedDim();
        this.n = n;
        this.keep = keep;
        this.posRows = pos;
        INDArray table = posEmbed();
        INDArray tokens = patchEmbed.forward(imgs, rows, ctx);                   // [N*K, D]
        this.maskedRows = masked;
        if (masked != null && masked.length > 0) {                              // w/ [M]: patch embedding's output is ours to overwrite
            Kernels.putRowAt(tokens, masked, maskToken.value().reshape(d));
        }
        x0 = Kernels.ensure(x0, dt, (long) n * (1 + keep), d);
        INDArray x3 = x0.reshape('c', n, 1 + keep, d);                          // [N, 1+K, D]
        if (FusedKernels.applies(tokens, table, x0)) {
            int[] seqRow = new int[n * keep];                                    // token r's row in x0, after its cls
            for (int r = 0; r < seqRow.length; r++) {
                seqRow[r] = r + r / keep + 1;
            }
            RowKernels.addGatheredRows(tokens, table, pos, x0, seqRow);          // one pass, not a gather and a strided add
        } else {
            posKept = Kernels.ensure(posKept, dt, (long) n * keep, d);
            Nd4j.pullRows(table, posKept, 1, pos);
            INDArray body = x3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + keep), NDArrayIndex.all());
            tokens.reshape('c', n, keep, d).add(posKept.reshape('c', n, keep, d), body);
        }
        INDArray clsRows = x3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()); // [N, D]
        clsRows.assign(0);
        clsRows.addiRowVector(clsToken.value().reshape(d).add(table.getRow(0)));
        INDArray x = x0;
        for (Block b : blocks) {
            x = b.forward(x, n, 1 + keep, ctx);
        }
        return norm == null ? x : norm.forward(x, ctx);
    }

    /**
     * Adds the gradients of the encoder's trainable parameters.
     *
     * @param dLatent [N*(1+K), D], the gradient at the last training forward's output
     */
    public void backward(INDArray dLatent) {
        int d = cfg.embedDim();
        DataType dt = dLatent.dataType();
        INDArray dx = norm == null ? dLatent : norm.backward(dLatent);
        for (int i = blocks.length - 1; i >= 0; i--) {
            dx = blocks[i].backward(dx);
        }
        INDArray d3 = dx.reshape('c', n, 1 + keep, d);
        dClsRows = Kernels.ensure(dClsRows, dt, n, d);
        dClsSum = Kernels.ensure(dClsSum, dt, d);
        dClsRows.assign(d3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        dClsRows.sum(dClsSum, 0);
        if (clsToken.trainable()) {
            clsToken.grad().reshape(d).addi(dClsSum);
        }
        dTokens = Kernels.ensure(dTokens, dt, (long) n * keep, d);
        dTokens.reshape('c', n, keep, d)
                .assign(d3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + keep), NDArrayIndex.all()));
        if (posEmbedParam != null && posEmbedParam.trainable()) {
            addPosEmbedGrad(dt, d);
        }
        if (maskedRows != null && maskedRows.length > 0) {                     // the mask token's rows: its gradient, not the patches'
            INDArray into = maskToken.trainable() ? maskToken.grad().reshape(d) : Nd4j.zeros(dt, d);
            Kernels.takeRows(dTokens, maskedRows, into);
        }
        patchEmbed.backward(dTokens);
    }

    /** d pos_embed: row 0 gets every cls row's gradient, row 1 + p every token of patch p's. */
    private void addPosEmbedGrad(DataType dt, int d) {
        INDArray dPos = posEmbedParam.grad().reshape('c', 1 + cfg.numPatches(), d);
        dPos.getRow(0).addi(dClsSum);
        if (FusedKernels.applies(dTokens, dPos)) {
            RowKernels.addScatteredRows(dTokens, posRows, dPos);                   // no [1 + L, N*K] one-hot to build
            return;
        }
        // [1 + L, N*K] one-hot of the kept tokens' positions, times dTokens [N*K, D]
        double[][] oneHot = new double[1 + cfg.numPatches()][posRows.length];
        for (int r = 0; r < posRows.length; r++) {
            oneHot[posRows[r]][r] = 1;
        }
        Kernels.matmul(Nd4j.create(oneHot).castTo(dt), dTokens, dPos, false, false, 1.0, 1.0);
    }
}
