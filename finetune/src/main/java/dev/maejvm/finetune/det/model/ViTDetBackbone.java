package dev.maejvm.finetune.det.model;

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
import dev.maejvm.vit.layers.TokenWindows;
import dev.maejvm.vit.model.PatchEmbed;
import dev.maejvm.vit.model.ViTConfig;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ViTDet's plain backbone (Li, Mao, Girshick, He 2022; detectron2 {@code modeling/backbone/vit.py}):
 * the pretrained ViT at the detection input size, without the cls token in the sequence, absolute
 * positions added to the patch tokens, windowed attention in most blocks and global attention in a
 * few, drop path rising over depth, no final norm. Its output is the last block's token map, the
 * single map the simple feature pyramid is built from.
 *
 * <p>Parameters keep timm's names ({@code patch_embed.proj.*}, {@code pos_embed}, {@code blocks.N.*})
 * so a pretraining checkpoint loads onto them as it does onto a classifier. {@code pos_embed} is
 * [1, 1 + L, D] with the cls token's row kept unused (detectron2's {@code pretrain_use_cls_token}):
 * a pretrained table is interpolated to this grid when loaded (bicubic, as timm), learned afterwards.
 */
public final class ViTDetBackbone {
    private final ViTConfig cfg;
    private final PatchEmbed patchEmbed;
    private final Param posEmbed;          // [1, 1 + L, D]
    private final Block[] blocks;
    private final int windowSize;
    private final Set<Integer> globalBlocks;
    private int n;
    private int[] posRows;                 // [N*L]: each token's row of the table
    private INDArray x0;                   // [N*L, D]
    private INDArray posKept;              // [N*L, D] (portable path)

    /**
     * @param cfg the encoder at the detection input size (its grid is the token map's)
     * @param windowSize tokens per window side in the windowed blocks
     * @param globalBlocks indexes of the blocks with global attention (ViT-B: 2, 5, 8, 11)
     */
    public ViTDetBackbone(ParamStore store, ViTConfig cfg, int windowSize, Set<Integer> globalBlocks, ScratchPool pool) {
        this(store, cfg, windowSize, globalBlocks, false, pool);
    }

    /**
     * @param relPos ViTDet's decomposed relative positions in every block ({@code blocks.i.attn.rel_pos_h/w},
     *     zero-initialised; over the window, or the whole map in a global block)
     */
    public ViTDetBackbone(ParamStore store, ViTConfig cfg, int windowSize, Set<Integer> globalBlocks, boolean relPos,
                          ScratchPool pool) {
        if (windowSize <= 0) {
            throw new IllegalArgumentException("windowSize must be positive, got " + windowSize);
        }
        for (int b : globalBlocks) {
            if (b < 0 || b >= cfg.depth()) {
                throw new IllegalArgumentException("globalBlocks: block " + b + " is not among the encoder's 0.." + (cfg.depth() - 1));
            }
        }
        this.cfg = cfg;
        this.windowSize = windowSize;
        this.globalBlocks = Set.copyOf(globalBlocks);
        int d = cfg.embedDim();
        this.patchEmbed = new PatchEmbed(store, cfg, pool.scope("patch_embed"));
        this.posEmbed = store.register("pos_embed", new long[] {1, 1 + cfg.numPatches(), d}, new Init.TruncNormal(0.02));
        this.blocks = new Block[cfg.depth()];
        for (int i = 0; i < blocks.length; i++) {
            boolean global = globalBlocks.contains(i);
            int relH = !relPos ? 0 : global ? cfg.gridHeight() : windowSize;
            int relW = !relPos ? 0 : global ? cfg.gridWidth() : windowSize;
            blocks[i] = new Block(store, "blocks." + i, d, cfg.numHeads(), cfg.mlpRatio(), LayerNorm.MAE_EPS, cfg.dropPath(i),
                    pool.scope("blocks"), relH, relW);
        }
    }

    public ViTConfig config() {
        return cfg;
    }

    /** The token map's height (input height / patch size). */
    public int mapHeight() {
        return cfg.gridHeight();
    }

    public int mapWidth() {
        return cfg.gridWidth();
    }

    /** The map's stride in input pixels: the patch size. */
    public int stride() {
        return cfg.patchSize();
    }

    /**
     * @param imgs [N, C, H, W] at the configured input size
     * @return the last block's map [N*h*w, D] (rows n, y, x), owned by the blocks' scope
     */
    public INDArray forward(INDArray imgs, Ctx ctx) {
        int l = cfg.numPatches();
        int d = cfg.embedDim();
        n = (int) imgs.size(0);
        DataType dt = imgs.dataType();
        INDArray tokens = patchEmbed.forward(imgs, null, ctx);                  // [N*L, D]
        INDArray table = posEmbed.value().reshape('c', 1 + l, d);
        posRows = new int[n * l];
        int[] identity = new int[n * l];
        for (int r = 0; r < posRows.length; r++) {
            posRows[r] = 1 + r % l;
            identity[r] = r;
        }
        x0 = Kernels.ensure(x0, dt, (long) n * l, d);
        if (FusedKernels.applies(tokens, table, x0)) {
            RowKernels.addGatheredRows(tokens, table, posRows, x0, identity);
        } else {
            posKept = Kernels.ensure(posKept, dt, (long) n * l, d);
            Nd4j.pullRows(table, posKept, 1, posRows);
            tokens.add(posKept, x0);
        }
        TokenWindows windows = TokenWindows.of(n, cfg.gridHeight(), cfg.gridWidth(), windowSize);
        INDArray x = x0;
        for (int i = 0; i < blocks.length; i++) {
            x = blocks[i].forward(x, n, l, globalBlocks.contains(i) ? null : windows, ctx);
        }
        return x;
    }

    /** Adds the backbone's parameter gradients. @param dMap [N*h*w, D] */
    public void backward(INDArray dMap) {
        INDArray dx = dMap;
        for (int i = blocks.length - 1; i >= 0; i--) {
            dx = blocks[i].backward(dx);
        }
        if (posEmbed.trainable()) {
            INDArray dPos = posEmbed.grad().reshape('c', 1 + cfg.numPatches(), cfg.embedDim());
            if (FusedKernels.applies(dx, dPos)) {
                RowKernels.addScatteredRows(dx, posRows, dPos);
            } else {
                for (int r = 0; r < posRows.length; r++) {
                    dPos.getRow(posRows[r]).addi(dx.getRow(r));
                }
            }
        }
        patchEmbed.backward(dx);
    }
}
