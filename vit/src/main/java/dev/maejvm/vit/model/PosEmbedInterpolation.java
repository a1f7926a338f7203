package dev.maejvm.vit.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Resizes a ViT position table to another patch grid, as the official MAE's
 * {@code interpolate_pos_embed} (util/pos_embed.py) does when a checkpoint is fine-tuned at another
 * input size: the extra tokens (the cls slot) are kept, and the grid part, seen as an image
 * [1, D, oldH, oldW], goes through {@code torch.nn.functional.interpolate(size=(newH, newW),
 * mode='bicubic', align_corners=False)} (no antialias).
 *
 * <p>Shapes: the table is [E + oldH*oldW, D] (E = {@code numExtraTokens}, usually 1, so
 * {@code [1 + H*W, D]}); rows 0 .. E-1 are the extra tokens, then the grid in row-major order:
 * patch (i, j) is row E + i*W + j. The result is [E + newH*newW, D] with the same layout.
 *
 * <p>Rule (PyTorch's {@code upsample_bicubic2d}), per axis of input size n and output size m:
 * scale = n / m, source coordinate x = (dst + 0.5) * scale - 0.5 (not clamped at 0 for cubic),
 * taps floor(x) - 1 .. floor(x) + 2 each clamped to [0, n - 1] (border replicated, not zero
 * padded), weights from Keys' cubic convolution with A = -0.75 at t = x - floor(x). The 2-D value
 * is separable: rows outer, columns inner, each sum accumulated in tap order. Same grid in and out
 * returns an exact copy (the official code does not interpolate then either). Computed in double,
 * this matches torch's portable float64 CPU kernel bit for bit; its AVX2 kernel (tap sums contracted
 * into FMAs) differs by a few ulps, and torch floors the coordinate in float ({@code floorf}), which
 * only matters within a float ulp below an integer, where both pick the same value up to rounding.
 * Unlike the official function, which assumes square grids, H and W may differ.
 */
public final class PosEmbedInterpolation {
    /** Cubic convolution coefficient used by PyTorch's bicubic mode (and OpenCV's). */
    private static final double A = -0.75;

    private PosEmbedInterpolation() {}

    /**
     * @param table [numExtraTokens + oldH*oldW][D], not modified
     * @return a new [numExtraTokens + newH*newW][D] table
     */
    public static double[][] interpolate(double[][] table, int oldH, int oldW, int newH, int newW, int numExtraTokens) {
        int dim = checkTable(table, oldH, oldW, numExtraTokens);
        checkGrid("newH", newH);
        checkGrid("newW", newW);
        if ((long) newH * newW + numExtraTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("newH * newW + numExtraTokens too large: " + newH + " x " + newW);
        }
        double[][] out = new double[numExtraTokens + newH * newW][];
        for (int r = 0; r < numExtraTokens; r++) {
            out[r] = table[r].clone();
        }
        if (oldH == newH && oldW == newW) {
            for (int r = numExtraTokens; r < out.length; r++) {
                out[r] = table[r].clone();
            }
            return out;
        }
        Taps rows = Taps.of(oldH, newH);
        Taps cols = Taps.of(oldW, newW);
        for (int y = 0; y < newH; y++) {
            for (int x = 0; x < newW; x++) {
                double[] acc = new double[dim];
                for (int a = 0; a < 4; a++) {
                    int rowStart = numExtraTokens + rows.index[y][a] * oldW;
                    double[] inner = new double[dim];
                    for (int b = 0; b < 4; b++) {
                        addScaled(inner, table[rowStart + cols.index[x][b]], cols.weight[x][b]);
                    }
                    addScaled(acc, inner, rows.weight[y][a]);
                }
                out[numExtraTokens + y * newW + x] = acc;
            }
        }
        return out;
    }

    /**
     * The same on an array [numExtraTokens + oldH*oldW, D] of any floating type, computed in double.
     *
     * @return a new [numExtraTokens + newH*newW, D] array of the input's data type
     */
    public static INDArray interpolate(INDArray table, int oldH, int oldW, int newH, int newW, int numExtraTokens) {
        if (table == null || table.rank() != 2) {
            throw new IllegalArgumentException("table must be a rank-2 array [T, D], got "
                    + (table == null ? "null" : Arrays.toString(table.shape())));
        }
        if (!table.dataType().isFPType()) {
            throw new IllegalArgumentException("table must be a floating-point array, got " + table.dataType());
        }
        double[][] rows = table.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] out = interpolate(rows, oldH, oldW, newH, newW, numExtraTokens);
        return Nd4j.createFromArray(out).castTo(table.dataType());
    }

    /** Per output index along one axis: the 4 clamped source indices and their cubic weights. */
    private record Taps(int[][] index, double[][] weight) {
        static Taps of(int in, int out) {
            double scale = (double) in / out;
            int[][] index = new int[out][4];
            double[][] weight = new double[out][4];
            for (int o = 0; o < out; o++) {
                double src = scale * (o + 0.5) - 0.5;
                int base = (int) Math.floor(src);
                double t = src - base;
                weight[o][0] = cubicFar(t + 1);
                weight[o][1] = cubicNear(t);
                double u = 1 - t;
                weight[o][2] = cubicNear(u);
                weight[o][3] = cubicFar(u + 1);
                for (int k = 0; k < 4; k++) {
                    index[o][k] = Math.max(0, Math.min(in - 1, base - 1 + k));
                }
            }
            return new Taps(index, weight);
        }
    }

    /** acc += v * w, element by element (torch accumulates each tap sum the same way, in tap order). */
    private static void addScaled(double[] acc, double[] v, double w) {
        for (int d = 0; d < acc.length; d++) {
            acc[d] += v[d] * w;
        }
    }

    /** Keys' kernel for |x| <= 1 (torch's cubic_convolution1). */
    private static double cubicNear(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Keys' kernel for 1 < |x| < 2 (torch's cubic_convolution2). */
    private static double cubicFar(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    private static int checkTable(double[][] table, int oldH, int oldW, int numExtraTokens) {
        if (table == null) {
            throw new IllegalArgumentException("table must not be null");
        }
        checkGrid("oldH", oldH);
        checkGrid("oldW", oldW);
        if (numExtraTokens < 0) {
            throw new IllegalArgumentException("numExtraTokens must be >= 0, got " + numExtraTokens);
        }
        long expected = (long) numExtraTokens + (long) oldH * oldW;
        if (table.length != expected) {
            throw new IllegalArgumentException("table has " + table.length + " rows, expected numExtraTokens + oldH * oldW = "
                    + numExtraTokens + " + " + oldH + " * " + oldW + " = " + expected);
        }
        int dim = table[0] == null ? 0 : table[0].length;
        if (dim == 0) {
            throw new IllegalArgumentException("table rows must be non-empty (D >= 1)");
        }
        for (int r = 0; r < table.length; r++) {
            if (table[r] == null || table[r].length != dim) {
                throw new IllegalArgumentException("table row " + r + " has length "
                        + (table[r] == null ? "null" : table[r].length) + ", expected D = " + dim);
            }
        }
        return dim;
    }

    private static void checkGrid(String name, int size) {
        if (size < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + size);
        }
    }
}
