package dev.maejvm.vit.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fixed 2-D sin-cos positional embedding, as the official MAE's {@code get_2d_sincos_pos_embed}:
 * the grid is {@code meshgrid(grid_w, grid_h)}, so the first D/2 channels encode the column (w)
 * and the last D/2 the row (h); each half is [sin(pos * w_k), cos(pos * w_k)] with
 * w_k = 1 / 10000^(k / (D/4)), k = 0 .. D/4 - 1. Row 0 is the cls slot, all zeros.
 */
public final class SinCosPosEmbed {
    private SinCosPosEmbed() {}

    /**
     * @return [1 + gridSize^2][embedDim]; patch (i, j) (row i, column j) is row 1 + i * gridSize + j
     */
    public static double[][] table(int embedDim, int gridSize) {
        return table(embedDim, gridSize, gridSize);
    }

    /**
     * A grid of gridHeight x gridWidth patches (the official code's square grid generalised: the
     * column coordinate in the first half of the channels, the row in the second).
     *
     * @return [1 + gridHeight * gridWidth][embedDim]; patch (i, j) is row 1 + i * gridWidth + j
     */
    public static double[][] table(int embedDim, int gridHeight, int gridWidth) {
        if (embedDim % 4 != 0) {
            throw new IllegalArgumentException("embedDim must be a multiple of 4, got " + embedDim);
        }
        int half = embedDim / 2;
        int quarter = embedDim / 4;
        double[][] t = new double[1 + gridHeight * gridWidth][embedDim];
        for (int i = 0; i < gridHeight; i++) {
            for (int j = 0; j < gridWidth; j++) {
                double[] row = t[1 + i * gridWidth + j];
                for (int k = 0; k < quarter; k++) {
                    double omega = 1.0 / Math.pow(10000, (double) k / quarter);
                    row[k] = Math.sin(j * omega);
                    row[quarter + k] = Math.cos(j * omega);
                    row[half + k] = Math.sin(i * omega);
                    row[half + quarter + k] = Math.cos(i * omega);
                }
            }
        }
        return t;
    }

    /** The table as an array [1 + L, D] of the given type. */
    public static INDArray create(int embedDim, int gridSize, DataType dataType) {
        return create(embedDim, gridSize, gridSize, dataType);
    }

    /** The table of a gridHeight x gridWidth grid as an array [1 + L, D]. */
    public static INDArray create(int embedDim, int gridHeight, int gridWidth, DataType dataType) {
        return Nd4j.create(table(embedDim, gridHeight, gridWidth)).castTo(dataType);
    }
}
