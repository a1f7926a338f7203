package dev.maejvm.vit.model;

/**
 * The ViT encoder's shape. Validated on construction; each failure names the field.
 *
 * @param imgSize input height = width in pixels
 * @param patchSize p, patches are p x p pixels
 * @param inChans C, image channels
 * @param embedDim D, token width
 * @param depth number of transformer blocks
 * @param numHeads attention heads (embedDim % numHeads == 0)
 * @param mlpRatio MLP hidden width / embedDim (4 in ViT and MAE)
 */
public record ViTConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads, double mlpRatio) {

    public ViTConfig {
        positive("imgSize", imgSize);
        positive("patchSize", patchSize);
        positive("inChans", inChans);
        positive("embedDim", embedDim);
        positive("depth", depth);
        positive("numHeads", numHeads);
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("imgSize (" + imgSize + ") must be a multiple of patchSize (" + patchSize + ")");
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
    }

    /** Patches per side, H / p. */
    public int gridSize() {
        return imgSize / patchSize;
    }

    /** L, the number of patches. */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** p * p * C, the values in one patch. */
    public int patchDim() {
        return patchSize * patchSize * inChans;
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
