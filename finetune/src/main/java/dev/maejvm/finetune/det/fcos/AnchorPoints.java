package dev.maejvm.finetune.det.fcos;

import java.util.ArrayList;
import java.util.List;

/**
 * The FCOS locations ("anchor points") of a batch, and the order of the head's rows.
 *
 * <p><b>Locations.</b> The cell (y, x) of a level of stride s has its point at
 * {@code ((x + 0.5) s, (y + 0.5) s)} in input pixels: detectron2's FCOS builds a
 * {@code DefaultAnchorGenerator(sizes = [[s]], aspect_ratios = [1.0], strides = [s])} without an
 * offset argument, so the generator's default {@code offset = 0.5} applies
 * ({@code _create_grid_offsets}: {@code arange(offset * stride, size * stride, stride)}), and the
 * point is the centre of a square anchor of side s centred there. The stride is the point's
 * "anchor size" (regression normalisation and the centre-sampling radius use it).
 *
 * <p><b>Order.</b> Within one image the points are ordered (level, y, x), as detectron2
 * concatenates its levels ({@code Boxes.cat(anchors)}, each level row-major over y then x).
 * The head runs once over all levels' rows (a layer shared over levels must, see docs/ENGINE.md),
 * each level's map being channels-last rows {@code [N*h*w, C]} ordered (n, y, x); the levels'
 * rows are stacked level after level, so a <b>batch row</b> is ordered <b>(level, n, y, x)</b>:
 * {@code row = N * levelOffset(level) + n * h * w + y * w + x}. All per-row arrays of this
 * package ([R] targets, [R, K] logits, [R, 4] box regression, [R, 1] centerness, R = N * P) use
 * this order; {@link #row(int, int)} maps (image, point) to it.
 */
public final class AnchorPoints {
    private final List<FeatureLevel> levels;
    private final int batchSize;
    private final int[] levelOffsets;
    private final int pointsPerImage;

    /**
     * @param levels the pyramid levels, finest first (as P3..P7); at least one
     * @param batchSize N, the images the head's rows hold
     */
    public AnchorPoints(List<FeatureLevel> levels, int batchSize) {
        if (levels == null || levels.isEmpty()) {
            throw new IllegalArgumentException("levels must hold at least one level");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.levels = List.copyOf(levels);
        this.batchSize = batchSize;
        this.levelOffsets = new int[levels.size() + 1];
        long total = 0;
        for (int l = 0; l < levels.size(); l++) {
            levelOffsets[l] = (int) total;
            total += levels.get(l).size();
        }
        if (total * batchSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many rows: " + total + " points x " + batchSize + " images");
        }
        levelOffsets[levels.size()] = (int) total;
        this.pointsPerImage = (int) total;
    }

    public List<FeatureLevel> levels() {
        return levels;
    }

    public int numLevels() {
        return levels.size();
    }

    public int batchSize() {
        return batchSize;
    }

    /** P, the points of one image over all levels. */
    public int pointsPerImage() {
        return pointsPerImage;
    }

    /** R = N * P, the head's rows. */
    public int rows() {
        return pointsPerImage * batchSize;
    }

    /** The first point of {@code level} within one image; {@code levelOffset(numLevels())} is P. */
    public int levelOffset(int level) {
        return levelOffsets[level];
    }

    /** The batch row of point {@code point} (in (level, y, x) order) of image {@code image}. */
    public int row(int image, int point) {
        if (image < 0 || image >= batchSize) {
            throw new IndexOutOfBoundsException("image " + image + " is not in [0, " + batchSize + ")");
        }
        int l = level(point);
        return batchSize * levelOffsets[l] + image * levels.get(l).size() + (point - levelOffsets[l]);
    }

    /** The point (within its image, (level, y, x) order) of batch row {@code row}. */
    public int pointOf(int row) {
        int l = levelOfRow(row);
        return levelOffsets[l] + (row - batchSize * levelOffsets[l]) % levels.get(l).size();
    }

    /** The image of batch row {@code row}. */
    public int imageOf(int row) {
        int l = levelOfRow(row);
        return (row - batchSize * levelOffsets[l]) / levels.get(l).size();
    }

    private int levelOfRow(int row) {
        if (row < 0 || row >= rows()) {
            throw new IndexOutOfBoundsException("row " + row + " is not in [0, " + rows() + ")");
        }
        int l = 0;
        while (row >= batchSize * levelOffsets[l + 1]) {
            l++;
        }
        return l;
    }

    /** The level of point {@code point} of an image. */
    public int level(int point) {
        if (point < 0 || point >= pointsPerImage) {
            throw new IndexOutOfBoundsException("point " + point + " is not in [0, " + pointsPerImage + ")");
        }
        int l = 0;
        while (point >= levelOffsets[l + 1]) {
            l++;
        }
        return l;
    }

    /** The stride (anchor size) of point {@code point}. */
    public int stride(int point) {
        return levels.get(level(point)).stride();
    }

    /** The point's x in input pixels: (x + 0.5) * stride. */
    public double centerX(int point) {
        int l = level(point);
        FeatureLevel f = levels.get(l);
        return ((point - levelOffsets[l]) % f.width() + 0.5) * f.stride();
    }

    /** The point's y in input pixels: (y + 0.5) * stride. */
    public double centerY(int point) {
        int l = level(point);
        FeatureLevel f = levels.get(l);
        return ((point - levelOffsets[l]) / f.width() + 0.5) * f.stride();
    }

    /**
     * The points of one image as {@code [P, 2]} (x, y) pixel centres, flattened row-major, with
     * their strides in {@code strides} ([P], may be null).
     */
    public double[] centers(double[] strides) {
        double[] xy = new double[2 * pointsPerImage];
        for (int l = 0; l < levels.size(); l++) {
            FeatureLevel f = levels.get(l);
            int o = levelOffsets[l];
            for (int y = 0; y < f.height(); y++) {
                for (int x = 0; x < f.width(); x++) {
                    int p = o + y * f.width() + x;
                    xy[2 * p] = (x + 0.5) * f.stride();
                    xy[2 * p + 1] = (y + 0.5) * f.stride();
                    if (strides != null) {
                        strides[p] = f.stride();
                    }
                }
            }
        }
        return xy;
    }

    /** The batch rows of image {@code image}, in its (level, y, x) point order: [P]. */
    public int[] rowsOf(int image) {
        if (image < 0 || image >= batchSize) {
            throw new IndexOutOfBoundsException("image " + image + " is not in [0, " + batchSize + ")");
        }
        int[] r = new int[pointsPerImage];
        for (int l = 0; l < levels.size(); l++) {
            int n = levels.get(l).size();
            int base = batchSize * levelOffsets[l] + image * n;
            for (int i = 0; i < n; i++) {
                r[levelOffsets[l] + i] = base + i;
            }
        }
        return r;
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        for (FeatureLevel f : levels) {
            s.add("s" + f.stride() + ":" + f.height() + "x" + f.width());
        }
        return "AnchorPoints" + s + " x " + batchSize;
    }
}
