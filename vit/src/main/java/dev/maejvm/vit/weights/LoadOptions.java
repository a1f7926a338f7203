package dev.maejvm.vit.weights;

import java.util.function.Predicate;

/**
 * How strictly a weight file must match a model.
 *
 * @param strict a key the model does not know is an error (else it is reported and skipped)
 * @param mayBeMissing the parameters a file may lack (a fine-tuning head, {@code fc_norm}); they keep their init
 * @param gridHeight with gridWidth, the model's patch grid: a {@code pos_embed} [1, 1 + h*w, D] of
 *     another (square) grid in the file is resized to it (bicubic, as the official
 *     {@code interpolate_pos_embed}); 0: no resizing
 * @param gridWidth see gridHeight
 */
public record LoadOptions(boolean strict, Predicate<String> mayBeMissing, int gridHeight, int gridWidth) {
    public static final LoadOptions STRICT = new LoadOptions(true, k -> false, 0, 0);
    public static final LoadOptions LENIENT = new LoadOptions(false, k -> false, 0, 0);

    public LoadOptions {
        if (gridHeight < 0 || gridWidth < 0 || (gridHeight == 0) != (gridWidth == 0)) {
            throw new IllegalArgumentException("gridHeight and gridWidth must both be positive, or both 0 (no resizing)");
        }
    }

    /** These options, allowing the given parameters to be missing. */
    public LoadOptions allowMissing(Predicate<String> names) {
        return new LoadOptions(strict, names, gridHeight, gridWidth);
    }

    /** These options, resizing a position table of another grid to gridHeight x gridWidth. */
    public LoadOptions interpolatePositionsTo(int gridHeight, int gridWidth) {
        return new LoadOptions(strict, mayBeMissing, gridHeight, gridWidth);
    }

    /**
     * The grids (fileH, fileW, modelH, modelW) to resize {@code name} from, or null when it is not
     * a position table this load may resize. Tables are [1, 1 + H*W, D] with one cls row.
     */
    int[] positionGrid(String name, long[] fileShape, long[] modelShape) {
        if (gridHeight == 0 || !name.equals("pos_embed") || fileShape.length != 3 || modelShape.length != 3
                || fileShape[0] != 1 || fileShape[2] != modelShape[2]
                || modelShape[1] != 1 + (long) gridHeight * gridWidth) {
            return null;
        }
        int fileSide = (int) Math.round(Math.sqrt(fileShape[1] - 1));
        if ((long) fileSide * fileSide != fileShape[1] - 1) {
            return null;
        }
        return new int[] {fileSide, fileSide, gridHeight, gridWidth};
    }
}
