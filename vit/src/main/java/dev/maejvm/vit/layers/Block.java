package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's pre-norm transformer block: x = x + drop_path(attn(norm1(x))); x = x + drop_path(mlp(norm2(x))).
 * (Residual learning: each branch adds to the identity path; drop path drops a sample's branch.)
 */
public final class Block {
    private final LayerNorm norm1;
    private final Attention attn;
    private final DropPath dropPath1;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath2;
    private final long dim;
    private final Scratch scratch;
    private INDArray x1;
    private int[] outRows;    // the rows the last forward produced (null: all)
    private TokenWindows windows;   // the last forward's window partition (null: global attention)
    private INDArray windowed;      // [N*nW*ws*ws, D]: attention's input in windows, kept by qkv for its backward

    /** A block without drop path whose buffers are its own. @param name e.g. {@code blocks.3} */
    public Block(ParamStore store, String name, long dim, int numHeads, double mlpRatio, double eps) {
        this(store, name, dim, numHeads, mlpRatio, eps, 0, Scratch.own(name));
    }

    /**
     * @param name the parameters' prefix, e.g. {@code blocks.3} or {@code decoder_blocks.0}
     * @param dropPath the drop-path probability of both branches
     * @param scratch the scope of its buffers: the model gives every block of a stack the same
     *     one, since backward runs one block at a time and each shared buffer is consumed by the
     *     block below before the next block writes it again
     */
    public Block(ParamStore store, String name, long dim, int numHeads, double mlpRatio, double eps, double dropPath,
                 Scratch scratch) {
        this(store, name, dim, numHeads, mlpRatio, eps, dropPath, scratch, 0, 0);
    }

    /**
     * With ViTDet's decomposed relative positions in its attention over a relH x relW grid (the
     * window, or the whole map for a global block; 0 x 0: none), {@code <name>.attn.rel_pos_h/w}.
     */
    public Block(ParamStore store, String name, long dim, int numHeads, double mlpRatio, double eps, double dropPath,
                 Scratch scratch, int relH, int relW) {
        this.norm1 = new LayerNorm(store, name + ".norm1", dim, eps, scratch.child("norm1"));
        this.attn = new Attention(store, name + ".attn", dim, numHeads, scratch.child("attn"), relH, relW);
        this.dropPath1 = new DropPath(dropPath, scratch.child("drop_path1"));
        this.norm2 = new LayerNorm(store, name + ".norm2", dim, eps, scratch.child("norm2"));
        this.mlp = new Mlp(store, name + ".mlp", dim, (long) (dim * mlpRatio), scratch.child("mlp"));
        this.dropPath2 = new DropPath(dropPath, scratch.child("drop_path2"));
        this.dim = dim;
        this.scratch = scratch;
    }

    public double dropPath() {
        return dropPath1.prob();
    }

    /**
     * The residual stream is not kept (the norms keep what their backward needs), so x1 and the
     * output are shared by all blocks of the scope; the output may be this block's own input.
     *
     * @param x [N*T, D], rows ordered (sample, token)
     * @return [N*T, D], valid until the next forward of a block of this scope
     */
    public INDArray forward(INDArray x, int n, int t, Ctx ctx) {
        return forward(x, n, t, (int[]) null, ctx);
    }

    /**
     * As {@link #forward(INDArray, int, int, Ctx)}, but the output only for the given rows: every
     * row still attends and is attended to, and the MLP half runs on those rows alone (MAE's last
     * decoder block, whose visible-patch outputs the loss never reads).
     *
     * @param rows rows of x to output, in this order, or null for all
     * @return [rows, D] (or [N*T, D]), valid until the next forward of a block of this scope
     */
    public INDArray forward(INDArray x, int n, int t, int[] rows, Ctx ctx) {
        return forward(x, n, t, rows, null, ctx);
    }

    /**
     * ViTDet's block with windowed attention: norm1, then attention inside each window of the
     * token map (the map zero-padded to whole windows after the norm, as detectron2 pads), the
     * windows merged back and the padding dropped, the residual and the MLP as usual.
     *
     * @param x [N*H*W, D], the token map's rows (n, y, x)
     * @param windows the map's partition ({@link TokenWindows#of}); null for global attention
     */
    public INDArray forward(INDArray x, int n, int t, TokenWindows windows, Ctx ctx) {
        return forward(x, n, t, null, windows, ctx);
    }

    private INDArray forward(INDArray x, int n, int t, int[] rows, TokenWindows windows, Ctx ctx) {
        long m = x.size(0);
        outRows = rows;
        this.windows = windows;
        int[] tokenSamples = dropPath1.prob() > 0 ? DropPath.samplesOfTokens(n, t) : null;
        x1 = scratch.get("x1", x.dataType(), m, dim);
        dropPath1.forwardAdd(x, attend(norm1.forward(x, ctx), n, t, ctx), n, tokenSamples, ctx, x1);
        INDArray h = x1;
        int[] hSamples = tokenSamples;
        if (rows != null) {
            h = scratch.get("x1rows", x.dataType(), rows.length, dim);
            Nd4j.pullRows(x1, h, 1, rows);
            if (tokenSamples != null) {
                hSamples = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    hSamples[i] = rows[i] / t;
                }
            }
        }
        INDArray out = scratch.get("out", x.dataType(), h.size(0), dim);
        dropPath2.forwardAdd(h, mlp.forward(norm2.forward(h, ctx), ctx), n, hSamples, ctx, out);
        return out;
    }

    /**
     * @param dOut [N*T, D], or [rows, D] after a forward for some rows
     * @return dx [N*T, D], in the scratch scope
     */
    public INDArray backward(INDArray dOut) {
        long m = x1.size(0);
        // shared with every block: the caller's dOut (the next block's dx) is dead once dx1 is formed
        INDArray dx1 = scratch.get("dx1", dOut.dataType(), m, dim);
        INDArray dx = scratch.get("dx", dOut.dataType(), m, dim);
        INDArray dMlp = norm2.backward(mlp.backward(dropPath2.backward(dOut)));
        if (outRows == null) {
            Kernels.add(dOut, dMlp, dx1);
        } else {
            INDArray dRows = scratch.get("dx1rows", dOut.dataType(), outRows.length, dim);
            Kernels.add(dOut, dMlp, dRows);
            Kernels.scatterRows(dRows, outRows, dx1);             // rows not output get no gradient here
        }
        Kernels.add(dx1, norm1.backward(attendBackward(dropPath1.backward(dx1))), dx);
        return dx;
    }

    /** Attention over all tokens of each sample, or inside each window. @return [N*T, D] */
    private INDArray attend(INDArray xn, int n, int t, Ctx ctx) {
        if (windows == null) {
            return attn.forward(xn, n, t, ctx);
        }
        windowed = Kernels.ensure(windowed, xn.dataType(), windows.partition().length, dim);   // the block's own: qkv keeps it
        Kernels.gatherRows(xn, windows.partition(), windowed);
        INDArray aw = attn.forward(windowed, windows.windows(), windows.tokens(), ctx);
        INDArray a = scratch.get("attn_merged", xn.dataType(), xn.size(0), dim);
        Kernels.gatherRows(aw, windows.merge(), a);
        return a;
    }

    /** @param dA [N*T, D] @return d norm1's output [N*T, D] */
    private INDArray attendBackward(INDArray dA) {
        if (windows == null) {
            return attn.backward(dA);
        }
        INDArray dAw = scratch.get("d_attn_windowed", dA.dataType(), windows.partition().length, dim);
        Kernels.gatherRows(dA, windows.partition(), dAw);                      // padding rows: 0
        INDArray dxw = attn.backward(dAw);
        INDArray dxn = scratch.get("d_norm1_out", dA.dataType(), dA.size(0), dim);
        Kernels.gatherRows(dxw, windows.merge(), dxn);                         // padding rows' gradient dropped
        return dxn;
    }
}
