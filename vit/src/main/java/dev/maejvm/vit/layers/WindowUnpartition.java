package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ViTDet's {@code window_unpartition} (detectron2 modeling/backbone/utils.py) on channels-last
 * rows, the inverse of {@link WindowPartition}: windows [N*nW*ws*ws, C] back to the tokens
 * [N*H*W, C], the padding cropped. It is told the map it restores, (N, H, W) (detectron2 passes
 * {@code pad_hw} and {@code hw}; the padded size follows from H, W and ws), not the windows'
 * shape. A row gather by {@link TokenWindows#merge} ({@link Kernels#gatherRows}); the backward
 * gathers the rows back into the windows by {@link TokenWindows#partition}, zero rows at the
 * padding: its adjoint.
 */
public final class WindowUnpartition {
    private final int ws;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap map;
    private TokenWindows index;
    private INDArray y;

    /**
     * @param windowSize ws, as the partition's
     * @param scratch the scope of its backward buffer
     */
    public WindowUnpartition(int windowSize, Scratch scratch) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("window size must be >= 1, got " + windowSize);
        }
        this.ws = windowSize;
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    /**
     * @param windows [N*nW*ws*ws, C] as {@link WindowPartition} lays them out
     * @param map (N, H, W), the unpadded map to restore
     * @return y [N*H*W, C], owned by this layer
     */
    public INDArray forward(INDArray windows, FeatureMap map, Ctx ctx) {
        FeatureMap w = WindowPartition.windowsShape(map, ws);
        if (windows.rank() != 2 || windows.size(0) != w.rows()) {
            throw new IllegalArgumentException(scratch.name() + ": expected " + w.rows() + " window rows for the map " + map
                    + " in windows of " + ws + ", got " + java.util.Arrays.toString(windows.shape()));
        }
        guard.forward(ctx);
        if (!map.equals(this.map)) {
            index = WindowPartition.index(map, ws);
        }
        this.map = map;
        y = Kernels.ensure(y, windows.dataType(), map.rows(), windows.size(1));
        Kernels.gatherRows(windows, index.merge(), y);
        return y;
    }

    /**
     * @param dy [N*H*W, C]
     * @return dwindows [N*nW*ws*ws, C], 0 on the padding rows, in the scratch scope
     */
    public INDArray backward(INDArray dy) {
        guard.backward();
        INDArray d = scratch.get("dwindows", dy.dataType(), index.partition().length, dy.size(1));
        Kernels.gatherRows(dy, index.partition(), d);
        return d;
    }
}
