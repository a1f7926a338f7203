package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.PatchKernels;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.layers.Linear;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's PatchEmbed (a p x p convolution with stride p) as a linear map of each flattened patch.
 * The weight is stored as timm's conv weight [D, C, p, p] and used as [D, C*p*p], so patches are
 * flattened in (c, p, q) order here (not the (p, q, c) order of {@link Patches#patchify}).
 * Only the kept patches are embedded: masked ones never reach the encoder.
 */
public final class PatchEmbed {
    private final ViTConfig cfg;
    private final int patchSize;
    private final int inChans;
    private final Linear proj;
    private INDArray cols;   // [N*L, C*p*p]
    private INDArray kept;   // [N*K, C*p*p]

    public PatchEmbed(ParamStore store, ViTConfig cfg, Scratch scratch) {
        this.cfg = cfg;
        this.patchSize = cfg.patchSize();
        this.inChans = cfg.inChans();
        int embedDim = cfg.embedDim();
        long fanIn = (long) inChans * patchSize * patchSize;
        // MAE: xavier_uniform_ on the conv weight viewed as [D, C*p*p]
        Param w = store.register("patch_embed.proj.weight", new long[] {embedDim, inChans, patchSize, patchSize},
                new Init.XavierUniform(fanIn, embedDim));
        // the official code leaves the conv bias at PyTorch's default: U(+-1/sqrt(C*p*p))
        Param b = store.register("patch_embed.proj.bias", new long[] {embedDim}, new Init.Uniform(1 / Math.sqrt(fanIn)));
        this.proj = new Linear(w, b, fanIn, embedDim, scratch.child("proj"), false);
    }

    /**
     * @param imgs [N, C, H, W]
     * @param rows the patches to embed as rows of the [N*L] patch list (n * L + patch), or null for all in order
     * @return tokens [N*K, D] (K = L for all), owned by this layer
     */
    public INDArray forward(INDArray imgs, int[] rows, Ctx ctx) {
        long n = imgs.size(0);
        if (imgs.rank() != 4 || imgs.size(1) != inChans || imgs.size(2) != cfg.imgHeight() || imgs.size(3) != cfg.imgWidth()) {
            throw new IllegalArgumentException("expected images [N, " + inChans + ", " + cfg.imgHeight() + ", "
                    + cfg.imgWidth() + "], got " + java.util.Arrays.toString(imgs.shape()));
        }
        long all = n * cfg.numPatches();
        long colDim = (long) inChans * patchSize * patchSize;
        long count = rows == null ? all : rows.length;
        if (FusedKernels.applies(imgs)) {
            kept = Kernels.ensure(kept, imgs.dataType(), count, colDim);
            PatchKernels.gatherPatches(imgs, patchSize, false, rows, kept);   // the kept patches only
            return proj.forward(kept, ctx);
        }
        cols = Kernels.ensure(cols, imgs.dataType(), all, colDim);
        cols.reshape('c', n, cfg.gridHeight(), cfg.gridWidth(), inChans, patchSize, patchSize)
                .assign(imgs.reshape('c', n, inChans, cfg.gridHeight(), patchSize, cfg.gridWidth(), patchSize)
                        .permute(0, 2, 4, 1, 3, 5));
        if (rows == null || inOrder(rows, all)) {
            return proj.forward(cols, ctx);                              // every patch, in order
        }
        kept = Kernels.ensure(kept, imgs.dataType(), rows.length, colDim);
        Nd4j.pullRows(cols, kept, 1, rows);
        return proj.forward(kept, ctx);
    }

    /** True when rows is 0, 1, ..., all - 1: every patch, in order (ratio 0 shuffles unless told not to). */
    private static boolean inOrder(int[] rows, long all) {
        if (rows.length != all) {
            return false;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Accumulates the weight and bias gradients (when they train); the images need no gradient. */
    public void backward(INDArray dTokens) {
        proj.backward(dTokens, false);
    }
}
