package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ViTDet's {@code window_partition} (detectron2 modeling/backbone/utils.py) on channels-last
 * rows: the tokens [N, H, W, C] (rows [N*H*W, C]) are zero-padded at the bottom and right to
 * Hp x Wp, multiples of the window size ws, and cut into the nW = (Hp/ws)(Wp/ws) windows of each
 * sample, giving rows [N*nW*ws*ws, C] ordered (n, window row, window column, y in window,
 * x in window): a feature map of {@code outShape(in) = (N*nW, ws, ws)}, i.e. what windowed
 * attention takes as n*t rows with n = N*nW and t = ws*ws. Undone by {@link WindowUnpartition}.
 *
 * <p>A pure row permutation with zero rows added, over the indexes of {@link TokenWindows} (the
 * partition {@code Block}'s windowed attention uses): the forward gathers the rows of each window
 * ({@link TokenWindows#partition}, -1 a zero padding row), the backward gathers each input row's
 * gradient back from its window row ({@link TokenWindows#merge}), the adjoint; the gradient of the
 * padding is dropped. Both are row gathers ({@link Kernels#gatherRows}), split over the cores.
 */
public final class WindowPartition implements SpatialLayer {
    private final int ws;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap in;
    private TokenWindows index;
    private INDArray windows;

    /**
     * @param windowSize ws
     * @param scratch the scope of its backward buffer
     */
    public WindowPartition(int windowSize, Scratch scratch) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("window size must be >= 1, got " + windowSize);
        }
        this.ws = windowSize;
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    public int windowSize() {
        return ws;
    }

    /** (Hp, Wp): the map padded to multiples of ws, as detectron2's {@code pad_hw}. */
    public static int[] paddedSize(FeatureMap map, int ws) {
        return new int[] {(map.h() + ws - 1) / ws * ws, (map.w() + ws - 1) / ws * ws};
    }

    /** (N*nW, ws, ws). */
    @Override
    public FeatureMap outShape(FeatureMap in) {
        return windowsShape(in, ws);
    }

    /** The windows of {@code map} in windows of ws as a feature map: (N*nW, ws, ws). */
    public static FeatureMap windowsShape(FeatureMap map, int ws) {
        int[] p = paddedSize(map, ws);
        return new FeatureMap(map.n() * (p[0] / ws) * (p[1] / ws), ws, ws);
    }

    /** The partition of {@code map} in windows of ws. */
    public static TokenWindows index(FeatureMap map, int ws) {
        return TokenWindows.of(map.n(), map.h(), map.w(), ws);
    }

    /**
     * @param x [N*H*W, C]
     * @param in (N, H, W)
     * @return windows [N*nW*ws*ws, C], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        if (x.rank() != 2 || x.size(0) != in.rows()) {
            throw new IllegalArgumentException(scratch.name() + ": expected " + in.rows() + " rows for the map " + in
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        guard.forward(ctx);
        if (!in.equals(this.in)) {
            index = index(in, ws);
        }
        this.in = in;
        windows = Kernels.ensure(windows, x.dataType(), index.partition().length, x.size(1));
        Kernels.gatherRows(x, index.partition(), windows);
        return windows;
    }

    /**
     * @param dy [N*nW*ws*ws, C]
     * @return dx [N*H*W, C], in the scratch scope
     */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        INDArray dx = scratch.get("dx", dy.dataType(), in.rows(), dy.size(1));
        Kernels.gatherRows(dy, index.merge(), dx);
        return dx;
    }
}
