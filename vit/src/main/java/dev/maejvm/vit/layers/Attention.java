package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.SoftmaxKernels;
import dev.maejvm.vit.engine.HeadGemm;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import org.nd4j.linalg.api.buffer.DataType;
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
    private final Scratch pool;
    private final ActivationGuard guard;
    private final RelativePosition relPos;   // ViTDet's decomposed relative positions, or null
    private int n;
    private int t;
    private boolean host;     // the last forward ran on host memory through HeadGemm
    private INDArray qkvOut;  // [N*T, 3D]: q, k, v in the token layout, columns (s, h, d)
    private INDArray heads;   // [3, N*H, T, hd]: q, k, v per (sample, head) (portable path)
    private INDArray q;
    private INDArray k;
    private INDArray v;
    private INDArray attn;    // [N*H, T, T], softmax probabilities
    private INDArray context; // [N*H, T, hd], shared: backward does not need it
    private INDArray merged;  // [N*T, D]
    private INDArray dHeads;  // [3, N*H, T, hd]: dq, dk, dv; dq doubles as dCtx scratch
    private INDArray dq;
    private INDArray dk;
    private INDArray dv;
    private INDArray dAttn;   // [N*H, T, T]
    private INDArray scratch; // [N*H, T, T]
    private INDArray rowSums; // [N*H, T]
    private INDArray dqkv;    // [N*T, 3D]

    /** An attention with buffers of its own. */
    public Attention(ParamStore store, String name, long dim, int numHeads) {
        this(store, name, dim, numHeads, Scratch.own(name));
    }

    /** @param scratch the scope of its buffers; qkv and proj take the child scopes of those names */
    public Attention(ParamStore store, String name, long dim, int numHeads, Scratch scratch) {
        this(store, name, dim, numHeads, scratch, 0, 0);
    }

    /**
     * With ViTDet's decomposed relative positions over a relH x relW grid of tokens ({@link
     * RelativePosition}; 0 x 0: none): every forward's sequences must be that grid.
     */
    public Attention(ParamStore store, String name, long dim, int numHeads, Scratch scratch, int relH, int relW) {
        if (dim % numHeads != 0) {
            throw new IllegalArgumentException(name + ": dim " + dim + " is not divisible by numHeads " + numHeads);
        }
        this.qkv = new Linear(store, name + ".qkv", dim, 3 * dim, scratch.child("qkv"), false);
        this.proj = new Linear(store, name + ".proj", dim, dim, scratch.child("proj"), true);
        this.numHeads = numHeads;
        this.dim = dim;
        this.headDim = dim / numHeads;
        this.scale = 1 / Math.sqrt(headDim);
        this.pool = scratch;
        this.guard = new ActivationGuard(name);
        this.relPos = relH > 0 ? new RelativePosition(store, name, relH, relW, (int) (dim / numHeads)) : null;
    }

    /**
     * @param x [N*T, D], rows ordered (sample, token)
     * @return [N*T, D], in the scratch scope (proj's): consume it before the next one runs
     */
    public INDArray forward(INDArray x, int n, int t, Ctx ctx) {
        guard.forward(ctx);
        this.n = n;
        this.t = t;
        qkvOut = qkv.forward(x, ctx);                                                       // [N*T, 3D], kept
        allocate(x.dataType());
        // the softmax reaches the [N*H, T, T] scores through NIO: at a large batch they outgrow
        // its reach while the token arrays do not
        host = HeadGemm.applies(qkvOut, merged, dqkv) && FusedKernels.applies(attn, dAttn);
        if (!host) {
            allocatePortable(x.dataType());
        }
        if (relPos != null && relPos.tokens() != t) {
            throw new IllegalArgumentException("attention with relative positions over " + relPos.tokens() + " tokens got sequences of " + t);
        }
        if (host) {
            HeadGemm.gemm(n, numHeads, false, true, t, t, (int) headDim, scale, q(), k(), scores(attn)); // S = q k^T
            if (relPos != null) {
                relPos.forward(queryHeads(), attn);
            }
            SoftmaxKernels.softmaxRows(attn);
            HeadGemm.gemm(n, numHeads, false, false, t, (int) headDim, t, 1.0, scores(attn), v(), tokens(merged, 0));
        } else {
            toHeads(qkvOut, heads, 3);                                                 // [3, N*H, T, hd]
            Kernels.matmul(q, k, attn, false, true, scale, 0.0);                      // [N*H, T, T]
            if (relPos != null) {
                relPos.forward(q, attn);
            }
            Nd4j.exec(new SoftMax(attn, attn, 2));
            Kernels.matmul(attn, v, context, false, false, 1.0, 0.0);                     // [N*H, T, hd]
            toTokens(context, merged, 1);                                                  // [N*T, D]
        }
        return proj.forward(merged, ctx);
    }

    /**
     * @param dy [N*T, D]
     * @return dx [N*T, D], owned by this layer
     */
    public INDArray backward(INDArray dy) {
        guard.backward();
        INDArray dMerged = proj.backward(dy, true);                                    // [N*T, D]
        if (host) {
            if (!HeadGemm.applies(dMerged)) {
                throw new IllegalStateException("attention backward: the output gradient is not a float32 host array"
                        + " like the forward's activations");
            }
            int hd = (int) headDim;
            HeadGemm.Operand dCtx = tokens(dMerged, 0);
            HeadGemm.gemm(n, numHeads, false, true, t, t, hd, 1.0, dCtx, v(), scores(dAttn));     // dP = dCtx v^T
            HeadGemm.gemm(n, numHeads, true, false, t, hd, t, 1.0, scores(attn), dCtx, qkvColumns(dqkv, 2)); // dV
            SoftmaxKernels.softmaxBackward(attn, dAttn);                                 // dS
            INDArray dqRel = relPos == null ? null : relPos.backward(dAttn);
            HeadGemm.gemm(n, numHeads, false, false, t, hd, t, scale, scores(dAttn), k(), qkvColumns(dqkv, 0)); // dQ
            if (dqRel != null) {
                dqkv.reshape('c', n, t, 3, numHeads, headDim).get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0),
                        NDArrayIndex.all(), NDArrayIndex.all()).addi(dqRel.reshape('c', n, numHeads, t, headDim).permute(0, 2, 1, 3));
            }
            HeadGemm.gemm(n, numHeads, true, false, t, hd, t, scale, scores(dAttn), q(), qkvColumns(dqkv, 1));  // dK
            return qkv.backward(dqkv, true);
        }
        INDArray dCtx = dq;                                                            // [N*H, T, hd]; dq is free until below
        toHeads(dMerged, dCtx, 1);
        Kernels.matmul(dCtx, v, dAttn, false, true, 1.0, 0.0);                        // dP = dCtx v^T
        Kernels.matmul(attn, dCtx, dv, true, false, 1.0, 0.0);                        // dV = P^T dCtx
        // softmax backward: dS = P * (dP - sum_j dP * P)
        dAttn.mul(attn, scratch);
        scratch.sum(rowSums, 2);
        Nd4j.exec(new BroadcastSubOp(dAttn, rowSums, dAttn, 0, 1));
        dAttn.muli(attn);
        INDArray dqRel = relPos == null ? null : relPos.backward(dAttn);
        Kernels.matmul(dAttn, k, dq, false, false, scale, 0.0);                       // dQ = dS k * scale
        if (dqRel != null) {
            dq.addi(dqRel);
        }
        Kernels.matmul(dAttn, q, dk, true, false, scale, 0.0);                        // dK = dS^T q * scale
        toTokens(dHeads, dqkv, 3);                                                     // [N*T, 3D]
        return qkv.backward(dqkv, true);
    }

    // Where the per-(sample, head) matrices lie for HeadGemm: in the token layout [N*T, S*D] a
    // head's [T, hd] block starts at column s*D + h*hd of the sample's first row; in the scores
    // [N*H, T, T] each [T, T] block is contiguous.

    /** The queries per (sample, head) [N*H, T, hd], copied out of the token layout. */
    private INDArray queryHeads() {
        return qkvOut.reshape('c', n, t, 3, numHeads, headDim).get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0),
                NDArrayIndex.all(), NDArrayIndex.all()).permute(0, 2, 1, 3).dup('c').reshape('c', (long) n * numHeads, t, headDim);
    }

    private HeadGemm.Operand q() {
        return qkvColumns(qkvOut, 0);
    }

    private HeadGemm.Operand k() {
        return qkvColumns(qkvOut, 1);
    }

    private HeadGemm.Operand v() {
        return qkvColumns(qkvOut, 2);
    }

    /** Part s (0 = q, 1 = k, 2 = v) of a [N*T, 3D] array. */
    private HeadGemm.Operand qkvColumns(INDArray a, int s) {
        return new HeadGemm.Operand(a, s * dim, (long) t * 3 * dim, headDim, (int) (3 * dim));
    }

    /** A [N*T, D] array seen per head. */
    private HeadGemm.Operand tokens(INDArray a, int s) {
        return new HeadGemm.Operand(a, s * dim, (long) t * dim, headDim, (int) dim);
    }

    private HeadGemm.Operand scores(INDArray a) {
        return new HeadGemm.Operand(a, 0, (long) numHeads * t * t, (long) t * t, t);
    }

    /** tokens [N*T, S*D], columns (s, h, d) -> heads [S, N*H, T, hd]. */
    private void toHeads(INDArray tokens, INDArray heads, int s) {
        heads.reshape('c', s, n, numHeads, t, headDim)
                .assign(tokens.reshape('c', n, t, s, numHeads, headDim).permute(2, 0, 3, 1, 4));
    }

    /** heads [S, N*H, T, hd] -> tokens [N*T, S*D]. */
    private void toTokens(INDArray heads, INDArray tokens, int s) {
        tokens.reshape('c', n, t, s, numHeads, headDim)
                .assign(heads.reshape('c', s, n, numHeads, t, headDim).permute(1, 3, 0, 2, 4));
    }

    /** What both paths use: the scores, their gradient, the merged heads and the qkv gradient. */
    private void allocate(DataType dt) {
        long bh = (long) n * numHeads;
        attn = Kernels.ensure(attn, dt, bh, t, t);
        dAttn = pool.get("dAttn", dt, bh, t, t);
        merged = Kernels.ensure(merged, dt, (long) n * t, dim);
        dqkv = pool.get("dqkv", dt, (long) n * t, 3 * dim);
    }

    /** The per-head copies and scratch of the ND4J-op path. */
    private void allocatePortable(DataType dt) {
        long bh = (long) n * numHeads;
        INDArray newHeads = Kernels.ensure(heads, dt, 3, bh, t, headDim);
        if (newHeads != heads) {
            heads = newHeads;
            q = heads.get(NDArrayIndex.point(0));
            k = heads.get(NDArrayIndex.point(1));
            v = heads.get(NDArrayIndex.point(2));
        }
        scratch = pool.get("scratch", dt, bh, t, t);
        rowSums = pool.get("rowSums", dt, bh, t);
        context = pool.get("ctx", dt, bh, t, headDim);                // merged at once
        INDArray newDHeads = pool.get("dHeads", dt, 3, bh, t, headDim);
        if (newDHeads != dHeads) {
            dHeads = newDHeads;
            dq = dHeads.get(NDArrayIndex.point(0));
            dk = dHeads.get(NDArrayIndex.point(1));
            dv = dHeads.get(NDArrayIndex.point(2));
        }
    }
}
