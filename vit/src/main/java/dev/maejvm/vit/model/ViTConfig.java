package dev.maejvm.vit.model;

/**
 * The ViT encoder's shape. Validated on construction; each failure names the field.
 *
 * @param imgHeight input height in pixels
 * @param imgWidth input width in pixels (inputs need not be square)
 * @param patchSize p, patches are p x p pixels
 * @param inChans C, image channels
 * @param embedDim D, token width
 * @param depth number of transformer blocks
 * @param numHeads attention heads (embedDim % numHeads == 0)
 * @param mlpRatio MLP hidden width / embedDim (4 in ViT and MAE)
 * @param dropPathRate stochastic depth of the last block; block i gets rate * i / (depth - 1)
 *     (timm's linear rule; 0 in MAE pretraining, 0.1 in its fine-tuning)
 * @param posEmbed the position table: fixed 2-D sin-cos (MAE pretraining) or learned (a
 *     parameter initialised from that table or loaded from a checkpoint, as timm's ViT)
 */
public record ViTConfig(int imgHeight, int imgWidth, int patchSize, int inChans, int embedDim, int depth, int numHeads,
                        double mlpRatio, double dropPathRate, PosEmbedKind posEmbed) {

    /** Fixed sin-cos table, or a learned parameter. */
    public enum PosEmbedKind { SINCOS, LEARNED }

    /** A square input, no drop path, the fixed sin-cos table: MAE's encoder. */
    public ViTConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads, double mlpRatio) {
        this(imgSize, imgSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, 0, PosEmbedKind.SINCOS);
    }

    public ViTConfig {
        positive("imgHeight", imgHeight);
        positive("imgWidth", imgWidth);
        positive("patchSize", patchSize);
        positive("inChans", inChans);
        positive("embedDim", embedDim);
        positive("depth", depth);
        positive("numHeads", numHeads);
        if (imgHeight % patchSize != 0 || imgWidth % patchSize != 0) {
            throw new IllegalArgumentException("imgSize (imgHeight x imgWidth = " + imgHeight + " x " + imgWidth
                    + ") must be a multiple of patchSize (" + patchSize + ") on both sides");
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embedDim (" + embedDim + ") must be divisible by numHeads (" + numHeads + ")");
        }
        if (embedDim % 4 != 0) {
            throw new IllegalArgumentException("embedDim (" + embedDim + ") must be a multiple of 4 for the 2-D sin-cos embedding");
        }
        if (!(mlpRatio > 0) || (embedDim * mlpRatio) % 1 != 0) {
            throw new IllegalArgumentException("mlpRatio (" + mlpRatio + ") must be positive and give a whole hidden width");
        }
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("dropPathRate must be in [0, 1), got " + dropPathRate);
        }
        if (posEmbed == null) {
            throw new IllegalArgumentException("posEmbed must be given (SINCOS or LEARNED)");
        }
    }

    /** The side of a square input; an error for a non-square one (whose callers need both sides). */
    public int imgSize() {
        if (imgHeight != imgWidth) {
            throw new IllegalStateException("the input is " + imgHeight + " x " + imgWidth + ", not square");
        }
        return imgHeight;
    }

    /** Patches per column, H / p. */
    public int gridHeight() {
        return imgHeight / patchSize;
    }

    /** Patches per row, W / p. */
    public int gridWidth() {
        return imgWidth / patchSize;
    }

    /** Patches per side of a square input. */
    public int gridSize() {
        return imgSize() / patchSize;
    }

    /** L, the number of patches. */
    public int numPatches() {
        return gridHeight() * gridWidth();
    }

    /** p * p * C, the values in one patch. */
    public int patchDim() {
        return patchSize * patchSize * inChans;
    }

    /** The drop-path probability of block i: linear from 0 at the first block to dropPathRate at the last (torch.linspace(0, rate, depth)). */
    public double dropPath(int block) {
        return depth == 1 ? 0 : dropPathRate * block / (depth - 1);
    }

    public ViTConfig withImgSize(int height, int width) {
        return new ViTConfig(height, width, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, dropPathRate, posEmbed);
    }

    public ViTConfig withDropPathRate(double rate) {
        return new ViTConfig(imgHeight, imgWidth, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, rate, posEmbed);
    }

    public ViTConfig withPosEmbed(PosEmbedKind kind) {
        return new ViTConfig(imgHeight, imgWidth, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, dropPathRate, kind);
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
