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
import dev.maejvm.vit.engine.ScratchPool;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The 2x upsampling of ViTDet's simple feature pyramid, torch.nn.ConvTranspose2d(Cin, Cout,
 * kernel_size=2, stride=2) over a channels-last map: each input pixel writes its own 2x2 block,
 * y[(n, 2i + dy, 2j + dx), co] = sum_ci x[(n, i, j), ci] W[ci, co, dy, dx] + b[co]. Weight
 * [Cin, Cout, 2, 2] and bias [Cout] in torch's layout (state dicts map onto PyTorch's).
 *
 * <p>Computed as one product z = x W with W viewed as [Cin, Cout*4] (z [N*H*W, Cout*4], columns
 * (co, dy, dx)), then a depth-to-space gather of z's columns into the rows of the [N*2H*2W, Cout]
 * output, plus the bias. Backward: space-to-depth of dy into dz, dW += x^T dz, db += sum_rows dy,
 * dx = dz W^T. Initialised as PyTorch's default ({@link Init#torchConvDefault} with torch's fan-in
 * of this weight, Cout*4, for weight and bias): ViTDet leaves it at that. The fused path
 * ({@link ConvKernels#depthToSpace2}) adds the bias in the same pass; the portable one is a
 * six-axis ND4J permute.
 */
public final class ConvTranspose2d implements SpatialLayer {
    private final String name;
    private final int cin;
    private final int cout;
    private final Param weight;
    private final Param bias;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap in;
    private INDArray x;
    private ScratchPool.Stamp xStamp = ScratchPool.Stamp.NONE;
    private INDArray z;
    private INDArray y;

    /** PyTorch's default init, buffers of its own. */
    public ConvTranspose2d(ParamStore store, String name, int cin, int cout, boolean bias) {
        this(store, name, cin, cout, bias, Init.torchConvDefault(4L * cout), Init.torchConvDefault(4L * cout),
                Scratch.own(name));
    }

    /**
     * @param name the prefix of {@code <name>.weight} [Cin, Cout, 2, 2] and {@code <name>.bias} [Cout]
     * @param scratch the scope of its backward buffers
     */
    public ConvTranspose2d(ParamStore store, String name, int cin, int cout, boolean bias, Init weightInit, Init biasInit,
                           Scratch scratch) {
        if (cin < 1 || cout < 1) {
            throw new IllegalArgumentException(name + ": ConvTranspose2d needs cin, cout >= 1");
        }
        this.name = name;
        this.cin = cin;
        this.cout = cout;
        this.weight = store.register(name + ".weight", new long[] {cin, cout, 2, 2}, weightInit);
        this.bias = bias ? store.register(name + ".bias", new long[] {cout}, biasInit) : null;
        this.scratch = scratch;
        this.guard = new ActivationGuard(name);
    }

    public Param weight() {
        return weight;
    }

    /** The bias, or null. */
    public Param bias() {
        return bias;
    }

    @Override
    public FeatureMap outShape(FeatureMap in) {
        return new FeatureMap(in.n(), 2 * in.h(), 2 * in.w());
    }

    /** Forward FLOPs as {@code model.FlopCount} counts them: 2 per multiply-add of the product. */
    public double forwardFlops(FeatureMap in) {
        return 2.0 * in.rows() * cin * 4 * cout;
    }

    /**
     * @param x [N*H*W, Cin], kept (not copied) for the backward
     * @return y [N*2H*2W, Cout], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        if (x.rank() != 2 || x.size(0) != in.rows() || x.size(1) != cin) {
            throw new IllegalArgumentException(name + ": expected [" + in.rows() + ", " + cin + "] for the map " + in
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        guard.forward(ctx);
        this.in = in;
        this.x = x;
        xStamp = ctx.training() ? scratch.stamp(x) : ScratchPool.Stamp.NONE;
        DataType dt = x.dataType();
        z = Kernels.ensure(z, dt, in.rows(), 4L * cout);
        y = Kernels.ensure(y, dt, 4L * in.rows(), cout);
        Kernels.matmul(x, w2d(weight.value()), z, false, false, 1.0, 0.0);
        INDArray b = bias == null ? null : bias.value();
        if (FusedKernels.applies(z, y) && (b == null || FusedKernels.applies(b))) {
            ConvKernels.depthToSpace2(z, b, in.n(), in.h(), in.w(), y);
            return y;
        }
        y6().assign(z.reshape('c', in.n(), in.h(), in.w(), cout, 2, 2).permute(0, 1, 4, 2, 5, 3));
        if (b != null) {
            Kernels.addRow(y, b, y);
        }
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    /**
     * @param dy [N*2H*2W, Cout]
     * @param needInputGrad false for a first layer
     * @return dx [N*H*W, Cin], in the scratch scope, or null when not needed
     */
    public INDArray backward(INDArray dy, boolean needInputGrad) {
        guard.backward();
        scratch.check(xStamp, name);
        DataType dt = dy.dataType();
        INDArray dz = scratch.get("dz", dt, in.rows(), 4L * cout);
        if (FusedKernels.applies(dy, dz)) {
            ConvKernels.spaceToDepth2(dy, in.n(), in.h(), in.w(), dz);
        } else {
            dz.reshape('c', in.n(), in.h(), in.w(), cout, 2, 2)
                    .assign(dy.reshape('c', in.n(), in.h(), 2, in.w(), 2, cout).permute(0, 1, 3, 5, 2, 4));
        }
        if (weight.trainable()) {
            Kernels.matmul(x, dz, w2d(weight.grad()), true, false, 1.0, 1.0);
        }
        if (bias != null && bias.trainable()) {
            if (FusedKernels.applies(dy, bias.grad())) {
                RowKernels.addColumnSums(dy, bias.grad());
            } else {
                bias.grad().addi(dy.sum(0));
            }
        }
        if (!needInputGrad) {
            return null;
        }
        INDArray dx = scratch.get("dx", dt, in.rows(), cin);
        Kernels.matmul(dz, w2d(weight.value()), dx, false, true, 1.0, 0.0);
        return dx;
    }

    private INDArray y6() {
        return y.reshape('c', in.n(), in.h(), 2, in.w(), 2, cout);
    }

    /** The weight [Cin, Cout, 2, 2] (or its gradient) as the [Cin, Cout*4] matrix of the product: a view. */
    private INDArray w2d(INDArray w) {
        return w.reshape('c', cin, 4L * cout);
    }
}
