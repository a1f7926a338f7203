package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.NormKernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * torch.nn.GroupNorm(numGroups, C, eps, affine) over a channels-last map: the C channels are split
 * into G groups of C/G consecutive channels, and each (sample, group) is normalised over its
 * H*W*C/G values with their mean and biased variance, y = (x - mean) / sqrt(var + eps) *
 * weight[c] + bias[c]. The same in training and evaluation (no running statistics). detectron2's
 * FCOS head uses GroupNorm(32, C) after each tower conv. Weight [C] (1) and bias [C] (0), torch's
 * names; eps 1e-5 is torch's default ({@link #TORCH_EPS}).
 *
 * <p>Backward per (sample, group): dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with
 * g = dy * weight; dweight += sum_rows(dy * xhat), dbias += sum_rows(dy). The fused float32 path
 * ({@link NormKernels#groupNormForward}) accumulates the statistics in double; the portable path
 * views the rows as [N, H*W, G, C/G] and reduces over dimensions 1 and 3.
 */
public final class GroupNorm implements SpatialLayer {
    public static final double TORCH_EPS = 1e-5;

    private final String name;
    private final int groups;
    private final int channels;
    private final double eps;
    private final Param weight;       // null unless affine
    private final Param bias;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private FeatureMap in;
    private INDArray xhat;
    private INDArray rstd;            // [N*G], (sample, group)
    private INDArray y;

    /** Affine, eps 1e-5, buffers of its own. */
    public GroupNorm(ParamStore store, String name, int numGroups, int numChannels) {
        this(store, name, numGroups, numChannels, TORCH_EPS, true, Scratch.own(name));
    }

    /**
     * @param numGroups G, dividing numChannels
     * @param affine whether it has {@code <name>.weight} and {@code <name>.bias} [C]
     * @param scratch the scope of its backward buffers
     */
    public GroupNorm(ParamStore store, String name, int numGroups, int numChannels, double eps, boolean affine,
                     Scratch scratch) {
        this(name, numGroups, numChannels, eps,
                affine ? store.register(name + ".weight", channels(name, numGroups, numChannels, eps), Init.ONES) : null,
                affine ? store.register(name + ".bias", channels(name, numGroups, numChannels, eps), Init.ZEROS) : null,
                scratch);
    }

    /**
     * A group norm over parameters declared elsewhere: one instance per pyramid level of a head
     * shared over the levels (detectron2's FCOS head applies the same GroupNorm to every level);
     * each keeps its level's activations, their backwards add into the same gradients.
     *
     * @param weight, bias [C], or both null for no affine
     */
    public GroupNorm(Param weight, Param bias, int numGroups, double eps, Scratch scratch) {
        this(weight.name().replaceFirst("\\.weight$", ""), numGroups, (int) weight.length(), eps, weight, bias, scratch);
    }

    private GroupNorm(String name, int numGroups, int numChannels, double eps, Param weight, Param bias, Scratch scratch) {
        channels(name, numGroups, numChannels, eps);
        if ((weight == null) != (bias == null) || (weight != null && (weight.length() != numChannels
                || bias.length() != numChannels))) {
            throw new IllegalArgumentException(name + ": GroupNorm needs a weight and a bias of [" + numChannels + "], or none");
        }
        this.name = name;
        this.groups = numGroups;
        this.channels = numChannels;
        this.eps = eps;
        this.weight = weight;
        this.bias = bias;
        this.scratch = scratch;
        this.guard = new ActivationGuard(name);
    }

    /** [C], checked. */
    private static long[] channels(String name, int numGroups, int numChannels, double eps) {
        if (numGroups < 1 || numChannels < 1 || numChannels % numGroups != 0 || !(eps > 0)) {
            throw new IllegalArgumentException(name + ": GroupNorm needs numGroups dividing numChannels and eps > 0, got "
                    + numGroups + ", " + numChannels + ", " + eps);
        }
        return new long[] {numChannels};
    }

    public boolean affine() {
        return weight != null;
    }

    @Override
    public FeatureMap outShape(FeatureMap in) {
        return in;
    }

    /**
     * @param x [N*H*W, C]
     * @return y [N*H*W, C], owned by this layer
     */
    @Override
    public INDArray forward(INDArray x, FeatureMap in, Ctx ctx) {
        if (x.rank() != 2 || x.size(0) != in.rows() || x.size(1) != channels) {
            throw new IllegalArgumentException(name + ": expected [" + in.rows() + ", " + channels + "] for the map " + in
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        guard.forward(ctx);
        this.in = in;
        DataType dt = x.dataType();
        int m = in.rows();
        xhat = Kernels.ensure(xhat, dt, m, channels);
        y = Kernels.ensure(y, dt, m, channels);
        rstd = Kernels.ensure(rstd, dt, (long) in.n() * groups);
        INDArray w = weight == null ? null : weight.value();
        INDArray b = bias == null ? null : bias.value();
        if (FusedKernels.applies(x, xhat, y, rstd) && (w == null || FusedKernels.applies(w, b))) {
            NormKernels.groupNormForward(x, in.n(), groups, w, b, eps, xhat, rstd, y);
            return y;
        }
        INDArray x4 = view(x);
        INDArray h4 = view(xhat);
        INDArray mean = x4.mean(1, 3);                                        // [N, G]
        Nd4j.exec(new BroadcastSubOp(x4, mean, h4, 0, 2));                   // x - mean
        INDArray var = h4.mul(h4).mean(1, 3);                                // biased variance [N, G]
        var.addi(eps);
        INDArray r = rstd.reshape('c', in.n(), groups);
        Nd4j.exec(new RSqrt(var, r));
        Nd4j.exec(new BroadcastMulOp(h4, r, h4, 0, 2));                      // xhat
        if (w == null) {
            y.assign(xhat);
        } else {
            Kernels.mulRow(xhat, w, y);
            Kernels.addRow(y, b, y);
        }
        return y;
    }

    /** [N*H*W, C] as [N, H*W, G, C/G]: a view. */
    private INDArray view(INDArray rows) {
        return rows.reshape('c', in.n(), in.pixels(), groups, channels / groups);
    }

    /**
     * @param dy [N*H*W, C]
     * @return dx [N*H*W, C], in the scratch scope
     */
    @Override
    public INDArray backward(INDArray dy) {
        guard.backward();
        DataType dt = dy.dataType();
        int m = in.rows();
        INDArray dx = scratch.get("dx", dt, m, channels);
        INDArray w = weight == null ? null : weight.value();
        // a frozen weight or bias still has its sums formed; they go to a throw-away buffer
        INDArray dWeight = weight == null ? null : weight.trainable() ? weight.grad() : scratch.get("frozenGrad", dt, channels);
        INDArray dBias = bias == null ? null : bias.trainable() ? bias.grad() : scratch.get("frozenGrad", dt, channels);
        if (FusedKernels.applies(dy, xhat, rstd, dx) && (w == null || FusedKernels.applies(w, dWeight, dBias))) {
            NormKernels.groupNormBackward(dy, xhat, rstd, in.n(), groups, w, dx, dWeight, dBias);
            return dx;
        }
        INDArray g = scratch.get("g", dt, m, channels);
        if (w != null) {
            dWeight.addi(dy.mul(xhat).sum(0));                               // dweight += sum_rows dy * xhat
            dBias.addi(dy.sum(0));                                           // dbias += sum_rows dy
            Kernels.mulRow(dy, w, g);                                        // g = dy * weight
        } else {
            g.assign(dy);
        }
        INDArray g4 = view(g);
        INDArray h4 = view(xhat);
        INDArray d4 = view(dx);
        INDArray mgh = g4.mul(h4).mean(1, 3);                                // mean(g * xhat) [N, G]
        INDArray mg = g4.mean(1, 3);                                         // mean(g) [N, G]
        Nd4j.exec(new BroadcastMulOp(h4, mgh, d4, 0, 2));                    // xhat * mean(g * xhat)
        g.sub(dx, dx);
        Nd4j.exec(new BroadcastSubOp(d4, mg, d4, 0, 2));
        Nd4j.exec(new BroadcastMulOp(d4, rstd.reshape('c', in.n(), groups), d4, 0, 2));
        return dx;
    }
}
