package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.layers.Block;
import dev.maejvm.vit.layers.LayerNorm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The ViT encoder of MAE: patch embedding, fixed sin-cos positions, a learned cls token,
 * pre-norm blocks and a final norm. It sees only the kept patches of a {@link Masking}.
 * Parameter names are timm's ({@code cls_token}, {@code patch_embed.proj.*}, {@code blocks.N.*},
 * {@code norm.*}).
 */
public final class VisionTransformer {
    private final ViTConfig cfg;
    private final Param clsToken;     // [1, 1, D]
    private final PatchEmbed patchEmbed;
    private final INDArray posEmbed;  // [1 + L, D], fixed
    private final Block[] blocks;
    private final LayerNorm norm;
    private int n;
    private int keep;
    private INDArray posKept;         // [N*K, D]
    private INDArray x0;              // [N*(1+K), D]
    private INDArray dTokens;         // [N*K, D]
    private INDArray dClsRows;        // [N, D]
    private INDArray dClsSum;         // [D]

    public VisionTransformer(ParamStore store, ViTConfig cfg) {
        this.cfg = cfg;
        this.patchEmbed = new PatchEmbed(store, cfg);
        // decayed in pretraining: add_weight_decay (timm 0.3.2) skips only 1-D tensors and biases
        this.clsToken = store.register("cls_token", new long[] {1, 1, cfg.embedDim()}, new Init.Normal(0.02), true);
        this.posEmbed = SinCosPosEmbed.create(cfg.embedDim(), cfg.gridSize(), store.dataType());
        this.blocks = new Block[cfg.depth()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(store, "blocks." + i, cfg.embedDim(), cfg.numHeads(), cfg.mlpRatio(), LayerNorm.MAE_EPS);
        }
        this.norm = new LayerNorm(store, "norm", cfg.embedDim(), LayerNorm.MAE_EPS);
    }

    public ViTConfig config() {
        return cfg;
    }

    /** The fixed positional table [1 + L, D] (the state dict's {@code pos_embed} without its batch axis). */
    public INDArray posEmbed() {
        return posEmbed;
    }

    /**
     * The official {@code forward_encoder}: embed the kept patches, add their positions, prepend
     * cls, run the blocks and the norm.
     *
     * @param imgs [N, C, H, W]
     * @return latent [N*(1+K), D] (rows: sample, then cls and the K kept tokens), owned by the encoder
     */
    public INDArray forward(INDArray imgs, Masking masking) {
        DataType dt = imgs.dataType();
        int l = cfg.numPatches();
        int d = cfg.embedDim();
        n = masking.batchSize();
        keep = masking.lenKeep();
        int[] rows = new int[n * keep];
        int[] posRows = new int[n * keep];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < keep; k++) {
                rows[s * keep + k] = s * l + masking.idsKeep()[s][k];
                posRows[s * keep + k] = 1 + masking.idsKeep()[s][k];
            }
        }
        INDArray tokens = patchEmbed.forward(imgs, rows);                        // [N*K, D]
        posKept = Kernels.ensure(posKept, dt, (long) n * keep, d);
        Nd4j.pullRows(posEmbed, posKept, 1, posRows);
        x0 = Kernels.ensure(x0, dt, (long) n * (1 + keep), d);
        INDArray x3 = x0.reshape('c', n, 1 + keep, d);                          // [N, 1+K, D]
        INDArray body = x3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + keep), NDArrayIndex.all());
        tokens.reshape('c', n, keep, d).add(posKept.reshape('c', n, keep, d), body);
        INDArray clsRows = x3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()); // [N, D]
        clsRows.assign(0);
        clsRows.addiRowVector(clsToken.value().reshape(d).add(posEmbed.getRow(0)));
        INDArray x = x0;
        for (Block b : blocks) {
            x = b.forward(x, n, 1 + keep);
        }
        return norm.forward(x);
    }

    /** @param dLatent [N*(1+K), D] */
    public void backward(INDArray dLatent) {
        int d = cfg.embedDim();
        DataType dt = dLatent.dataType();
        INDArray dx = norm.backward(dLatent);
        for (int i = blocks.length - 1; i >= 0; i--) {
            dx = blocks[i].backward(dx);
        }
        INDArray d3 = dx.reshape('c', n, 1 + keep, d);
        dClsRows = Kernels.ensure(dClsRows, dt, n, d);
        dClsSum = Kernels.ensure(dClsSum, dt, d);
        dClsRows.assign(d3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        dClsRows.sum(dClsSum, 0);
        clsToken.grad().reshape(d).addi(dClsSum);
        dTokens = Kernels.ensure(dTokens, dt, (long) n * keep, d);
        dTokens.reshape('c', n, keep, d)
                .assign(d3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + keep), NDArrayIndex.all()));
        patchEmbed.backward(dTokens);
    }
}
