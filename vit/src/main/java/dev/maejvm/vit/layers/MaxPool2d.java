package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.ConvKernels;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * torch.nn.MaxPool2d(kernel_size=2, stride=2) over a channels-last map (ViTDet's 1/32 level,
 * {@code scale_factors 0.5}): Ho = floor(H / 2), Wo = floor(W / 2), a trailing odd row or column
 * dropped. Each window is read in the order (0,0), (0,1), (1,0), (1,1) and on ties the first
 * maximum wins, as torch's CPU kernel; the backward routes each output's gradient to that one
 * input (the others, and a dropped row or column, get 0). NaN is not given torch's special
 * treatment (torch lets a NaN win its window). The fused path keeps the winner per output value
 * as a byte; the portable path (float64) keeps four 0/1 masks over [N, Ho, Wo, C].
 */
public final class MaxPool2d implements SpatialLayer {
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap in;
    private boolean fused;
    private byte[] tap;
    private final INDArray[] masks = new INDArray[4];
    private INDArray y;

    /** @param scratch the scope of its backward buffer */
    public MaxPool2d(Scratch scratch) {
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    @Override
    public FeatureMap outShape(FeatureMap in) {
        if (in.h() < 2 || in.w() < 2) {
            throw new IllegalArgumentException(scratch.name() + ": a 2x2 max pool needs a map of at least 2x2, got " + in);
        }
        return new FeatureMap(in.n(), in.h() / 2, in.w() / 2);
    }

    /**
     * @param x [N*H*W, C]
     * @return y [N*(H/2)*(W/2), C], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        if (x.rank() != 2 || x.size(0) != in.rows()) {
            throw new IllegalArgumentException(scratch.name() + ": expected " + in.rows() + " rows for the map " + in
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        guard.forward(ctx);
        this.in = in;
        FeatureMap out = outShape(in);
        int c = (int) x.size(1);
        DataType dt = x.dataType();
        y = Kernels.ensure(y, dt, out.rows(), c);
        fused = FusedKernels.applies(x, y);
        if (fused) {
            if (tap == null || tap.length != out.rows() * c) {
                tap = new byte[out.rows() * c];
            }
            ConvKernels.maxPool2(x, in.n(), in.h(), in.w(), y, tap);
            return y;
        }
        INDArray x4 = x.reshape('c', in.n(), in.h(), in.w(), c);
        INDArray best = y.reshape('c', out.n(), out.h(), out.w(), c);
        best.assign(window(x4, 0, out));
        for (int d = 0; d < 4; d++) {
            masks[d] = Kernels.ensure(masks[d], dt, out.n(), out.h(), out.w(), c);
        }
        masks[0].assign(1);
        for (int d = 1; d < 4; d++) {
            INDArray v = window(x4, d, out);
            INDArray wins = v.gt(best).castTo(dt);                   // strictly greater: the first maximum keeps a tie
            INDArray keeps = wins.rsub(1.0);
            for (int e = 0; e < d; e++) {
                masks[e].muli(keeps);
            }
            masks[d].assign(wins);
            best.assign(Transforms.max(best, v, true));
        }
        return y;
    }

    /** The input values at window position d = dy*2 + dx of every output: a strided view [N, Ho, Wo, C]. */
    private static INDArray window(INDArray x4, int d, FeatureMap out) {
        return x4.get(NDArrayIndex.all(), taps(d >> 1, out.h()), taps(d & 1, out.w()), NDArrayIndex.all());
    }

    private static INDArrayIndex taps(int t, int outSize) {
        if (outSize == 1) {                      // ND4J reads a strided interval of one element past the end
            return NDArrayIndex.interval(t, t + 1);
        }
        return NDArrayIndex.interval(t, 2, t + 2L * (outSize - 1) + 1);
    }

    /**
     * @param dy [N*(H/2)*(W/2), C]
     * @return dx [N*H*W, C], in the scratch scope
     */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        int c = (int) dy.size(1);
        INDArray dx = scratch.get("dx", dy.dataType(), in.rows(), c);
        if (fused && FusedKernels.applies(dy, dx)) {
            ConvKernels.maxPool2Backward(dy, tap, in.n(), in.h(), in.w(), dx);
            return dx;
        }
        if (fused) {
            throw new IllegalStateException(scratch.name() + ": a float32 forward needs a float32 backward");
        }
        FeatureMap out = outShape(in);
        dx.assign(0);
        INDArray dx4 = dx.reshape('c', in.n(), in.h(), in.w(), c);
        INDArray dy4 = dy.reshape('c', out.n(), out.h(), out.w(), c);
        for (int d = 0; d < 4; d++) {
            window(dx4, d, out).assign(dy4.mul(masks[d]));
        }
        return dx;
    }
}
