package dev.maejvm.finetune.probe;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.BatchNorm1d;
import dev.maejvm.vit.layers.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The linear probe's head, as the official {@code main_linprobe.py}: {@code head = Sequential(
 * BatchNorm1d(D, affine=False, eps=1e-6), Linear(D, K))}, the linear layer initialised
 * trunc-normal with std 0.01 and bias 0. Names are the official state dict's: {@code head.0.running_mean},
 * {@code head.0.running_var}, {@code head.0.num_batches_tracked}, {@code head.1.weight}, {@code head.1.bias}.
 * Everything on the path trains or is a statistic: no frozen random parameter.
 */
public final class ProbeHead {
    public static final double INIT_STD = 0.01;
    private final ParamStore params;
    private final BatchNorm1d bn;
    private final Linear linear;
    private final int numClasses;

    public ProbeHead(int dim, int numClasses, long seed) {
        this.params = new ParamStore(DataType.FLOAT);
        this.numClasses = numClasses;
        ScratchPool scratch = new ScratchPool();
        this.bn = new BatchNorm1d(params, "head.0", dim, BatchNorm1d.LINPROBE_EPS, false);
        Param w = params.register("head.1.weight", new long[] {numClasses, dim}, new Init.TruncNormal(INIT_STD));
        Param b = params.register("head.1.bias", new long[] {numClasses}, Init.ZEROS);
        this.linear = new Linear(w, b, dim, numClasses, scratch.scope("head"), false);
        params.build(seed);
    }

    public ParamStore params() {
        return params;
    }

    public int numClasses() {
        return numClasses;
    }

    public BatchNorm1d batchNorm() {
        return bn;
    }

    /** @param features [N, D]; @return logits [N, K], owned by the head */
    public INDArray forward(INDArray features, Ctx ctx) {
        return linear.forward(bn.forward(features, ctx), ctx);
    }

    /** Adds the gradients of the linear layer. @param dLogits [N, K] */
    public void backward(INDArray dLogits) {
        bn.backward(linear.backward(dLogits, true));
    }
}
