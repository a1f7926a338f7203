package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.Block;
import dev.maejvm.vit.layers.LayerNorm;
import dev.maejvm.vit.layers.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The light MAE decoder ({@code forward_decoder}): embed the latent tokens, put the shared mask
 * token at every removed position and unshuffle to the original patch order, add the decoder's
 * own sin-cos positions, run its blocks and norm, and predict p*p*C pixels per patch.
 */
public final class MaeDecoder {
    private final MaeConfig cfg;
    private final Linear decoderEmbed;
    private final Param maskToken;        // [1, 1, Dd]
    private final INDArray decoderPosEmbed; // [1 + L, Dd], fixed
    private final Block[] decoderBlocks;
    private final LayerNorm decoderNorm;
    private final Linear decoderPred;
    private int n;
    private int seq;                      // 1 + L
    private int[] invRows;
    private INDArray full;                // [N*(1+L), Dd]
    private INDArray keepCol;             // [N*(1+L)]: 1 for cls and kept tokens
    private INDArray maskCol;             // [N*(1+L), 1]: 1 for mask tokens
    private INDArray dEmbedded;           // [N*(1+K), Dd]
    private int[] lossRows;               // rows of [N*(1+L)] whose prediction was formed (null: all)
    private INDArray predFull;            // [N*(1+L), p*p*C]
    private INDArray dPredRows;           // [lossRows, p*p*C]

    /** @param pool the model's scratch pool: the decoder's blocks share the scope {@code decoder_blocks} */
    public MaeDecoder(ParamStore store, MaeConfig cfg, ScratchPool pool) {
        this.cfg = cfg;
        ViTConfig enc = cfg.encoder();
        int dd = cfg.decoderEmbedDim();
        this.decoderEmbed = new Linear(store, "decoder_embed", enc.embedDim(), dd, pool.scope("decoder_embed"), false);
        // decayed: official pretraining's add_weight_decay (timm 0.3.2) skips only 1-D tensors and biases
        this.maskToken = store.register("mask_token", new long[] {1, 1, dd}, new Init.Normal(0.02));
        long seq = 1 + enc.numPatches();
        this.decoderPosEmbed = store.registerBuffer("decoder_pos_embed", SinCosPosEmbed.create(dd, enc.gridHeight(),
                enc.gridWidth(), store.dataType()).reshape('c', 1, seq, dd), true).reshape('c', seq, dd);
        this.decoderBlocks = new Block[cfg.decoderDepth()];
        for (int i = 0; i < decoderBlocks.length; i++) {
            decoderBlocks[i] = new Block(store, "decoder_blocks." + i, dd, cfg.decoderNumHeads(),
                    enc.mlpRatio(), LayerNorm.MAE_EPS, 0, pool.scope("decoder_blocks"));
        }
        this.decoderNorm = new LayerNorm(store, "decoder_norm", dd, LayerNorm.MAE_EPS, pool.scope("decoder_norm"));
        this.decoderPred = new Linear(store, "decoder_pred", dd, enc.patchDim(), pool.scope("decoder_pred"), false);
    }

    /** The fixed decoder positional table [1 + L, Dd]. */
    public INDArray posEmbed() {
        return decoderPosEmbed;
    }

    /**
     * @param latent [N*(1+K), D] from the encoder
     * @return predictions [N*(1+L), p*p*C] (row 0 of each sample is the cls slot), owned by the decoder
     */
    public INDArray forward(INDArray latent, Masking masking, Ctx ctx) {
        return forward(latent, masking, false, ctx);
    }

    /**
     * @param lossPatchesOnly true: predict only the patches the loss reads (the removed ones; all
     *     of them at mask ratio 0). The last block's MLP half, the norm and the prediction then run
     *     on those rows only, and the other rows of the result are 0. The loss and every gradient
     *     are the same: the visible patches' predictions never reach the loss.
     * @return predictions [N*(1+L), p*p*C] (row 0 of each sample is the cls slot), owned by the decoder
     */
    public INDArray forward(INDArray latent, Masking masking, boolean lossPatchesOnly, Ctx ctx) {
        DataType dt = latent.dataType();
        int l = masking.numPatches();
        int keep = masking.lenKeep();
        int dd = cfg.decoderEmbedDim();
        n = masking.batchSize();
        seq = 1 + l;
        int[] rows = new int[n * seq];
        invRows = new int[n * (1 + keep)];
        double[] keepFlags = new double[n * seq];
        for (int s = 0; s < n; s++) {
            int src = s * (1 + keep);
            rows[s * seq] = src;
            keepFlags[s * seq] = 1;
            invRows[src] = s * seq;
            for (int p = 0; p < l; p++) {
                int r = masking.idsRestore()[s][p];
                boolean kept = r < keep;
                rows[s * seq + 1 + p] = kept ? src + 1 + r : src;   // masked rows are overwritten below
                keepFlags[s * seq + 1 + p] = kept ? 1 : 0;
                if (kept) {
                    invRows[src + 1 + r] = s * seq + 1 + p;
                }
            }
        }
        keepCol = Nd4j.create(keepFlags).castTo(dt);
        maskCol = keepCol.rsub(1).reshape(n * seq, 1);
        INDArray embedded = decoderEmbed.forward(latent, ctx);                    // [N*(1+K), Dd]
        full = Kernels.ensure(full, dt, (long) n * seq, dd);
        Nd4j.pullRows(embedded, full, 1, rows);                             // unshuffle
        Kernels.mulColumn(full, keepCol, full);
        Kernels.matmul(maskCol, maskToken.value().reshape(1, dd), full, false, false, 1.0, 1.0); // + mask tokens
        full.reshape('c', n, (long) seq * dd).addiRowVector(decoderPosEmbed.reshape(1, (long) seq * dd));
        lossRows = lossPatchesOnly ? lossRows(masking) : null;
        INDArray x = full;
        for (int i = 0; i < decoderBlocks.length; i++) {
            x = decoderBlocks[i].forward(x, n, seq, i == decoderBlocks.length - 1 ? lossRows : null, ctx);
        }
        INDArray pred = decoderPred.forward(decoderNorm.forward(x, ctx), ctx);
        if (lossRows == null) {
            return pred;
        }
        predFull = Kernels.ensure(predFull, dt, (long) n * seq, pred.size(1));
        Kernels.scatterRows(pred, lossRows, predFull);
        return predFull;
    }

    /** The rows of the removed patches in the [N*(1+L)] layout, or of every patch when none is removed. */
    private int[] lossRows(Masking masking) {
        int l = masking.numPatches();
        boolean anyRemoved = masking.lenKeep() < l;
        int[] rows = new int[n * (anyRemoved ? l - masking.lenKeep() : l)];
        int r = 0;
        for (int s = 0; s < n; s++) {
            for (int p = 0; p < l; p++) {
                if (!anyRemoved || !masking.isKept(s, p)) {
                    rows[r++] = s * seq + 1 + p;
                }
            }
        }
        return rows;
    }

    /**
     * @param dPred [N*(1+L), p*p*C]
     * @return dLatent [N*(1+K), D], owned by the decoder
     */
    public INDArray backward(INDArray dPred) {
        int dd = cfg.decoderEmbedDim();
        if (lossRows != null) {
            dPredRows = Kernels.ensure(dPredRows, dPred.dataType(), lossRows.length, dPred.size(1));
            Nd4j.pullRows(dPred, dPredRows, 1, lossRows);
            dPred = dPredRows;
        }
        INDArray dx = decoderNorm.backward(decoderPred.backward(dPred, true));
        for (int i = decoderBlocks.length - 1; i >= 0; i--) {
            dx = decoderBlocks[i].backward(dx);
        }
        if (maskToken.trainable()) {
            Kernels.matmul(maskCol, dx, maskToken.grad().reshape(1, dd), true, false, 1.0, 1.0);
        }
        dEmbedded = Kernels.ensure(dEmbedded, dx.dataType(), invRows.length, dd);
        Nd4j.pullRows(dx, dEmbedded, 1, invRows);                            // shuffle back
        return decoderEmbed.backward(dEmbedded, true);
    }
}
