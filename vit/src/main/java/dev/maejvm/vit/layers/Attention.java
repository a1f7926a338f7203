package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * timm's multi-head self-attention: qkv = Linear(dim, 3 dim) with bias, softmax(q k^T * scale) v
 * per head with scale = headDim^-0.5, then proj = Linear(dim, dim).
 */
public final class Attention {
    private final Linear qkv;
    private final Linear proj;
    private final int numHeads;
    private final long dim;
    private final long headDim;
    private final double scale;
    private final ScratchPool pool;
    private final String role;
    private int n;
    private int t;
    private INDArray heads;   // [3, N*H, T, hd]: q, k, v per (sample, head)
    private INDArray q;
    private INDArray k;
    private INDArray v;
    private INDArray attn;    // [N*H, T, T], softmax probabilities
    private INDArray ctx;     // [N*H, T, hd], shared: backward does not need it
    private INDArray merged;  // [N*T, D]
    private INDArray dHeads;  // [3, N*H, T, hd]: dq, dk, dv; dq doubles as dCtx scratch
    private INDArray dq;
    private INDArray dk;
    private INDArray dv;
    private INDArray dAttn;   // [N*H, T, T]
    private INDArray scratch; // [N*H, T, T]
    private INDArray rowSums; // [N*H, T]
    private INDArray dqkv;    // [N*T, 3D]

    public Attention(ParamStore store, String name, long dim, int numHeads) {
        if (dim % numHeads != 0) {
            throw new IllegalArgumentException(name + ": dim " + dim + " is not divisible by numHeads " + numHeads);
        }
        this.qkv = new Linear(store, name + ".qkv", dim, 3 * dim, true);     // copied into heads at once
        this.proj = new Linear(store, name + ".proj", dim, dim, true);
        this.numHeads = numHeads;
        this.dim = dim;
        this.headDim = dim / numHeads;
        this.scale = 1 / Math.sqrt(headDim);
        this.pool = store.scratch();
        this.role = ScratchPool.role(name);
    }

    /**
     * @param x [N*T, D], rows ordered (sample, token)
     * @return [N*T, D], shared with the attentions of the same role: consume it before the next one runs
     */
    public INDArray forward(INDArray x, int n, int t) {
        this.n = n;
        this.t = t;
        allocate(x.dataType());
        INDArray qkvOut = qkv.forward(x);                                              // [N*T, 3D]
        toHeads(qkvOut, heads, 3);                                                     // [3, N*H, T, hd]
        Kernels.matmul(q, k, attn, false, true, scale, 0.0);                          // [N*H, T, T]
        if (FusedKernels.applies(attn)) {
            FusedKernels.softmaxRows(attn);
        } else {
            Nd4j.exec(new SoftMax(attn, attn, 2));
        }
        Kernels.matmul(attn, v, ctx, false, false, 1.0, 0.0);                         // [N*H, T, hd]
        toTokens(ctx, merged, 1);                                                      // [N*T, D]
        return proj.forward(merged);
    }

    /**
     * @param dy [N*T, D]
     * @return dx [N*T, D], owned by this layer
     */
    public INDArray backward(INDArray dy) {
        INDArray dMerged = proj.backward(dy, true);                                    // [N*T, D]
        INDArray dCtx = dq;                                                            // [N*H, T, hd]; dq is free until below
        toHeads(dMerged, dCtx, 1);
        Kernels.matmul(dCtx, v, dAttn, false, true, 1.0, 0.0);                        // dP = dCtx v^T
        Kernels.matmul(attn, dCtx, dv, true, false, 1.0, 0.0);                        // dV = P^T dCtx
        // softmax backward: dS = P * (dP - sum_j dP * P)
        if (FusedKernels.applies(attn, dAttn)) {
            FusedKernels.softmaxBackward(attn, dAttn);
        } else {
            dAttn.mul(attn, scratch);
            scratch.sum(rowSums, 2);
            Nd4j.exec(new BroadcastSubOp(dAttn, rowSums, dAttn, 0, 1));
            dAttn.muli(attn);
        }
        Kernels.matmul(dAttn, k, dq, false, false, scale, 0.0);                       // dQ = dS k * scale
        Kernels.matmul(dAttn, q, dk, true, false, scale, 0.0);                        // dK = dS^T q * scale
        toTokens(dHeads, dqkv, 3);                                                     // [N*T, 3D]
        return qkv.backward(dqkv, true);
    }

    /** tokens [N*T, S*D], columns (s, h, d) -> heads [S, N*H, T, hd]. */
    private void toHeads(INDArray tokens, INDArray heads, int s) {
        if (FusedKernels.applies(tokens, heads)) {
            FusedKernels.permuteHeads(tokens, heads, n, t, s, numHeads, (int) headDim, true);
        } else {
            heads.reshape('c', s, n, numHeads, t, headDim)
                    .assign(tokens.reshape('c', n, t, s, numHeads, headDim).permute(2, 0, 3, 1, 4));
        }
    }

    /** heads [S, N*H, T, hd] -> tokens [N*T, S*D]. */
    private void toTokens(INDArray heads, INDArray tokens, int s) {
        if (FusedKernels.applies(tokens, heads)) {
            FusedKernels.permuteHeads(tokens, heads, n, t, s, numHeads, (int) headDim, false);
        } else {
            tokens.reshape('c', n, t, s, numHeads, headDim)
                    .assign(heads.reshape('c', s, n, numHeads, t, headDim).permute(1, 3, 0, 2, 4));
        }
    }

    private void allocate(org.nd4j.linalg.api.buffer.DataType dt) {
        long bh = (long) n * numHeads;
        INDArray newHeads = Kernels.ensure(heads, dt, 3, bh, t, headDim);
        if (newHeads != heads) {
            heads = newHeads;
            q = heads.get(NDArrayIndex.point(0));
            k = heads.get(NDArrayIndex.point(1));
            v = heads.get(NDArrayIndex.point(2));
        }
        attn = Kernels.ensure(attn, dt, bh, t, t);
        scratch = pool.get(role + ".scratch", dt, bh, t, t);
        dAttn = pool.get(role + ".dAttn", dt, bh, t, t);
        rowSums = pool.get(role + ".rowSums", dt, bh, t);
        ctx = pool.get(role + ".ctx", dt, bh, t, headDim);                // merged at once
        merged = Kernels.ensure(merged, dt, (long) n * t, dim);
        INDArray newDHeads = pool.get(role + ".dHeads", dt, 3, bh, t, headDim);
        if (newDHeads != dHeads) {
            dHeads = newDHeads;
            dq = dHeads.get(NDArrayIndex.point(0));
            dk = dHeads.get(NDArrayIndex.point(1));
            dv = dHeads.get(NDArrayIndex.point(2));
        }
        dqkv = pool.get(role + ".dqkv", dt, (long) n * t, 3 * dim);
    }
}
