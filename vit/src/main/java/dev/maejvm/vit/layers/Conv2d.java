package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.ConvKernels;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.RowKernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A k x k convolution over a channels-last feature map, as torch.nn.Conv2d(Cin, Cout, k, stride,
 * padding, bias) (zero padding, no dilation, one group): weight [Cout, Cin, k, k] and bias [Cout]
 * in torch's layout, so state dicts map one-to-one onto PyTorch's and detectron2's.
 *
 * <p>Computed as im2col and one product: the input [N*H*W, Cin] becomes cols
 * [N*Ho*Wo, k*k*Cin], its columns ordered (ky, kx, ci) so that each tap's Cin channels (and a
 * row of k taps, k*Cin floats) are one contiguous copy out of the channels-last input; the
 * weight is permuted to the same order, wt [Cout, k*k*Cin] (the [Cout, Cin, k, k] tensor moved
 * to [Cout, k, k, Cin], a copy refreshed every forward: the weight is a small fraction of the
 * activations), and y = cols wt^T + b, with Ho = (H + 2 padding - k) / stride + 1 (floor), Wo
 * likewise. Backward: dwt = dy^T cols, added to the weight's gradient permuted back to torch's
 * layout; db = sum_rows dy; dcols = dy wt; dx = col2im(dcols), the adjoint of im2col (a
 * scatter-add, written as a gather over input pixels). A 1x1 convolution with stride 1 and no
 * padding is exactly a {@link Linear} on the rows, and runs as one (no im2col, no permutation).
 *
 * <p>Initialisation (an argument of the full constructor): the short constructor gives
 * torch.nn.Conv2d's own default, {@link Init#torchConvDefault}(Cin*k*k) for weight and bias,
 * which is what detectron2's ViTDet {@code SimpleFeaturePyramid} leaves its 1x1 and 3x3 convs at
 * (it applies no init of its own). detectron2's other rules: {@link Init#c2MsraFill} (kaiming
 * normal fan_out, ReLU gain, bias 0), {@link Init#c2XavierFill} (FPN convs and LastLevelP6P7,
 * bias 0), and {@code Init.Normal(0.01)} with bias 0 for the FCOS/RetinaNet head towers and
 * predictors (the class logits' bias -log((1 - 0.01) / 0.01)). The float32 host path runs
 * im2col / col2im as fused kernels ({@link ConvKernels}), the portable path (float64, other
 * backends) as k*k strided ND4J assigns over a zero-padded copy.
 */
public final class Conv2d implements SpatialLayer {
    private final String name;
    private final int cin;
    private final int cout;
    private final int k;
    private final int stride;
    private final int padding;
    private final Param weight;
    private final Param bias;
    private final Linear pointwiseGemm;    // the 1x1 stride-1 unpadded case, else null
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap in;
    private FeatureMap out;
    private INDArray cols;                 // [N*Ho*Wo, k*k*Cin], kept for the backward
    private INDArray wt;                   // [Cout, k*k*Cin]: the weight in the columns' order
    private INDArray y;
    private INDArray ones;
    private INDArray padded;

    /** PyTorch's default init (weight and bias U(+-1/sqrt(Cin*k*k))), buffers of its own. */
    public Conv2d(ParamStore store, String name, int cin, int cout, int kernel, int stride, int padding, boolean bias) {
        this(store, name, cin, cout, kernel, stride, padding, bias, Init.torchConvDefault((long) cin * kernel * kernel),
                Init.torchConvDefault((long) cin * kernel * kernel), Scratch.own(name));
    }

    /**
     * @param name the prefix of {@code <name>.weight} [Cout, Cin, k, k] and {@code <name>.bias} [Cout]
     * @param bias whether it has a bias
     * @param weightInit, biasInit the parameters' init rules (biasInit unused without a bias)
     * @param scratch the scope of its backward buffers
     */
    public Conv2d(ParamStore store, String name, int cin, int cout, int kernel, int stride, int padding, boolean bias,
                  Init weightInit, Init biasInit, Scratch scratch) {
        this(store.register(name + ".weight", weightShape(name, cin, cout, kernel), weightInit),
                bias ? store.register(name + ".bias", new long[] {cout}, biasInit) : null, stride, padding, scratch);
    }

    /**
     * A convolution over parameters declared elsewhere. A head shared over pyramid levels (the FCOS
     * towers) is one instance per level over the same parameters: each instance keeps its own
     * level's activations (the guard allows one training forward per instance before its
     * backward), and their backwards add into the same gradients. Give the instances separate
     * scratch scopes, or consume each backward's dx before the next level's backward.
     *
     * @param weight [Cout, Cin, k, k]
     * @param bias [Cout], or null for none
     */
    public Conv2d(Param weight, Param bias, int stride, int padding, Scratch scratch) {
        long[] ws = weight.shape();
        if (ws.length != 4 || ws[2] != ws[3] || stride < 1 || padding < 0
                || (bias != null && (bias.rank() != 1 || bias.length() != ws[0]))) {
            throw new IllegalArgumentException(weight.name() + ": Conv2d needs a weight [Cout, Cin, k, k], a bias [Cout],"
                    + " stride >= 1 and padding >= 0, got " + java.util.Arrays.toString(ws) + ", " + bias + ", " + stride
                    + ", " + padding);
        }
        this.name = weight.name().replaceFirst("\\.weight$", "");
        this.cout = (int) ws[0];
        this.cin = (int) ws[1];
        this.k = (int) ws[2];
        this.stride = stride;
        this.padding = padding;
        this.weight = weight;
        this.bias = bias;
        this.pointwiseGemm = k == 1 && stride == 1 && padding == 0
                ? new Linear(weight, bias, cin, cout, scratch.child("gemm"), false) : null;
        this.scratch = scratch;
        this.guard = new ActivationGuard(name);
    }

    /** [Cout, Cin, k, k], checked before anything is registered. */
    private static long[] weightShape(String name, int cin, int cout, int kernel) {
        if (cin < 1 || cout < 1 || kernel < 1) {
            throw new IllegalArgumentException(name + ": Conv2d needs cin, cout, kernel >= 1, got " + cin + ", " + cout
                    + ", " + kernel);
        }
        return new long[] {cout, cin, kernel, kernel};
    }

    public Param weight() {
        return weight;
    }

    /** The bias, or null. */
    public Param bias() {
        return bias;
    }

    /** True for 1x1, stride 1, no padding: a Linear on the rows. */
    public boolean pointwise() {
        return k == 1 && stride == 1 && padding == 0;
    }

    @Override
    public FeatureMap outShape(FeatureMap in) {
        int ho = (in.h() + 2 * padding - k) / stride + 1;
        int wo = (in.w() + 2 * padding - k) / stride + 1;
        if (in.h() + 2 * padding < k || in.w() + 2 * padding < k) {
            throw new IllegalArgumentException(name + ": a " + k + "x" + k + " kernel does not fit the padded map " + in);
        }
        return new FeatureMap(in.n(), ho, wo);
    }

    /** Forward FLOPs as {@code model.FlopCount} counts them: 2 per multiply-add of the product. */
    public double forwardFlops(FeatureMap in) {
        return 2.0 * outShape(in).rows() * cin * k * k * cout;
    }

    /**
     * @param x [N*H*W, Cin]; with {@link #pointwise} kept (not copied) for the backward
     * @param in (N, H, W)
     * @return y [N*Ho*Wo, Cout], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        if (x.rank() != 2 || x.size(0) != in.rows() || x.size(1) != cin) {
            throw new IllegalArgumentException(name + ": expected [" + in.rows() + ", " + cin + "] for the map " + in
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        guard.forward(ctx);
        this.in = in;
        this.out = outShape(in);
        if (pointwise()) {
            return pointwiseGemm.forward(x, ctx);
        }
        DataType dt = x.dataType();
        long width = (long) k * k * cin;
        cols = Kernels.ensure(cols, dt, out.rows(), width);
        if (FusedKernels.applies(x, cols)) {
            ConvKernels.im2col(x, in.n(), in.h(), in.w(), k, stride, padding, out.h(), out.w(), cols);
        } else {
            im2colPortable(x);
        }
        wt = Kernels.ensure(wt, dt, cout, width);
        wt.reshape('c', cout, k, k, cin).assign(weight.value().permute(0, 2, 3, 1));
        y = Kernels.ensure(y, dt, out.rows(), cout);
        if (bias == null) {
            Kernels.matmul(cols, wt, y, false, true, 1.0, 0.0);
        } else if (FusedKernels.applies(y, bias.value())) {
            RowKernels.fillRows(y, bias.value());                  // the product adds to it
            Kernels.matmul(cols, wt, y, false, true, 1.0, 1.0);
        } else {
            Kernels.matmul(cols, wt, y, false, true, 1.0, 0.0);
            Kernels.addRow(y, bias.value(), y);
        }
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    /**
     * Adds dW (dy^T cols, permuted back to [Cout, Cin, k, k]) and db = sum_rows dy to the gradients
     * of the parameters that train.
     *
     * @param dy [N*Ho*Wo, Cout]
     * @param needInputGrad false for a first layer, whose input needs no gradient (skips col2im)
     * @return dx [N*H*W, Cin], in the scratch scope, or null when not needed
     */
    public INDArray backward(INDArray dy, boolean needInputGrad) {
        guard.backward();
        if (pointwise()) {
            return pointwiseGemm.backward(dy, needInputGrad);
        }
        DataType dt = dy.dataType();
        long width = (long) k * k * cin;
        if (weight.trainable()) {
            INDArray dwt = scratch.get("dwt", dt, cout, width);
            Kernels.matmul(dy, cols, dwt, true, false, 1.0, 0.0);
            weight.grad().addi(dwt.reshape('c', cout, k, k, cin).permute(0, 3, 1, 2));   // back to [Cout, Cin, k, k]
        }
        if (bias != null && bias.trainable()) {
            if (FusedKernels.applies(dy, bias.grad())) {
                RowKernels.addColumnSums(dy, bias.grad());
            } else {
                ones = Kernels.ensure(ones, dt, 1, dy.size(0));
                if (ones.getDouble(0) != 1.0) {
                    ones.assign(1);
                }
                Kernels.addColumnSums(ones, dy, bias.grad().reshape('c', 1, cout));
            }
        }
        if (!needInputGrad) {
            return null;
        }
        INDArray dcols = scratch.get("dcols", dt, out.rows(), width);
        Kernels.matmul(dy, wt, dcols, false, false, 1.0, 0.0);
        INDArray dx = scratch.get("dx", dt, in.rows(), cin);
        if (FusedKernels.applies(dcols, dx)) {
            ConvKernels.col2im(dcols, in.n(), in.h(), in.w(), k, stride, padding, out.h(), out.w(), dx);
        } else {
            col2imPortable(dcols, dx);
        }
        return dx;
    }

    /** The rows of input pixel y of every output row oy = 0 .. Ho-1 for tap ky, in the padded map. */
    private INDArrayIndex taps(int t, int outSize) {
        return NDArrayIndex.interval(t, stride, t + (long) stride * (outSize - 1) + 1);
    }

    private void im2colPortable(INDArray x) {
        DataType dt = x.dataType();
        int hp = in.h() + 2 * padding;
        int wp = in.w() + 2 * padding;
        padded = Kernels.ensure(padded, dt, in.n(), hp, wp, cin);
        padded.get(NDArrayIndex.all(), NDArrayIndex.interval(padding, padding + in.h()),
                NDArrayIndex.interval(padding, padding + in.w()), NDArrayIndex.all())
                .assign(x.reshape('c', in.n(), in.h(), in.w(), cin));
        INDArray cols6 = cols.reshape('c', in.n(), out.h(), out.w(), k, k, cin);
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                INDArray src = padded.get(NDArrayIndex.all(), taps(ky, out.h()), taps(kx, out.w()), NDArrayIndex.all());
                cols6.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(ky),
                        NDArrayIndex.point(kx), NDArrayIndex.all()).assign(src);
            }
        }
    }

    private void col2imPortable(INDArray dcols, INDArray dx) {
        DataType dt = dcols.dataType();
        int hp = in.h() + 2 * padding;
        int wp = in.w() + 2 * padding;
        INDArray dpad = scratch.get("dpadded", dt, in.n(), hp, wp, cin);
        dpad.assign(0);
        INDArray d6 = dcols.reshape('c', in.n(), out.h(), out.w(), k, k, cin);
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                dpad.get(NDArrayIndex.all(), taps(ky, out.h()), taps(kx, out.w()), NDArrayIndex.all())
                        .addi(d6.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(ky),
                                NDArrayIndex.point(kx), NDArrayIndex.all()));
            }
        }
        dx.reshape('c', in.n(), in.h(), in.w(), cin).assign(dpad.get(NDArrayIndex.all(),
                NDArrayIndex.interval(padding, padding + in.h()), NDArrayIndex.interval(padding, padding + in.w()),
                NDArrayIndex.all()));
    }
}
