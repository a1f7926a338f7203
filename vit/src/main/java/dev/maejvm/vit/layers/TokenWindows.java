package dev.maejvm.vit.layers;

/**
 * ViTDet's window partition of a token map (detectron2 {@code window_partition} /
 * {@code window_unpartition}) as two row indexes: the map's rows [N*H*W, C] (order n, y, x) are
 * padded at the bottom and right with zero rows to multiples of the window size and cut into
 * windows [N*nW, ws*ws, C] (order n, window row, window column, then y, x inside the window).
 * Attention inside the windows is attention over the rows {@code partition} gathers; the output
 * comes back to the map by the rows {@code merge} gathers, which also drops the padding.
 *
 * @param partition for each windowed row, the map row it holds, or -1 for a padding (zero) row; [N*nW*ws*ws]
 * @param merge for each map row, its row in the windowed layout; [N*H*W]
 * @param windows N*nW, the sequences attention runs over
 * @param tokens ws*ws, the tokens of a window
 */
public record TokenWindows(int[] partition, int[] merge, int windows, int tokens) {
    /** @param h, w the map's size in tokens; @param windowSize ws */
    public static TokenWindows of(int n, int h, int w, int windowSize) {
        if (windowSize <= 0 || n <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("window partition needs positive n, h, w and window size, got " + n + ", " + h
                    + ", " + w + ", " + windowSize);
        }
        int hp = (h + windowSize - 1) / windowSize * windowSize;
        int wp = (w + windowSize - 1) / windowSize * windowSize;
        int nwy = hp / windowSize;
        int nwx = wp / windowSize;
        int per = windowSize * windowSize;
        int[] partition = new int[n * nwy * nwx * per];
        int[] merge = new int[n * h * w];
        int r = 0;
        for (int s = 0; s < n; s++) {
            for (int wy = 0; wy < nwy; wy++) {
                for (int wx = 0; wx < nwx; wx++) {
                    for (int iy = 0; iy < windowSize; iy++) {
                        for (int ix = 0; ix < windowSize; ix++) {
                            int y = wy * windowSize + iy;
                            int x = wx * windowSize + ix;
                            if (y < h && x < w) {
                                int src = (s * h + y) * w + x;
                                partition[r] = src;
                                merge[src] = r;
                            } else {
                                partition[r] = -1;
                            }
                            r++;
                        }
                    }
                }
            }
        }
        return new TokenWindows(partition, merge, n * nwy * nwx, per);
    }
}
