package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's pre-norm transformer block: x = x + attn(norm1(x)); x = x + mlp(norm2(x)).
 * (Residual learning: each branch adds to the identity path.)
 */
public final class Block {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final long dim;
    private final dev.maejvm.vit.engine.ScratchPool scratch;
    private final String role;
    private INDArray x1;
    private INDArray out;
    private int[] outRows;    // the rows the last forward produced (null: all)

    /**
     * @param name e.g. {@code blocks.3} or {@code decoder_blocks.0}
     */
    public Block(ParamStore store, String name, long dim, int numHeads, double mlpRatio, double eps) {
        this.norm1 = new LayerNorm(store, name + ".norm1", dim, eps);
        this.attn = new Attention(store, name + ".attn", dim, numHeads);
        this.norm2 = new LayerNorm(store, name + ".norm2", dim, eps);
        this.mlp = new Mlp(store, name + ".mlp", dim, (long) (dim * mlpRatio));
        this.dim = dim;
        this.scratch = store.scratch();
        this.role = dev.maejvm.vit.engine.ScratchPool.role(name + ".x");
    }

    /**
     * The residual stream is not kept (the norms keep what their backward needs), so x1 and the
     * output are shared by all blocks of a role; the output may be this block's own input.
     *
     * @param x [N*T, D]
     * @return [N*T, D], valid until the next forward of a block of this role
     */
    public INDArray forward(INDArray x, int n, int t) {
        return forward(x, n, t, null);
    }

    /**
     * As {@link #forward(INDArray, int, int)}, but the output only for the given rows: every row
     * still attends and is attended to, and the MLP half runs on those rows alone (MAE's last
     * decoder block, whose visible-patch outputs the loss never reads).
     *
     * @param rows rows of x to output, in this order, or null for all
     * @return [rows, D] (or [N*T, D]), valid until the next forward of a block of this role
     */
    public INDArray forward(INDArray x, int n, int t, int[] rows) {
        long m = x.size(0);
        outRows = rows;
        x1 = scratch.get(role + ".x1", x.dataType(), m, dim);
        add(x, attn.forward(norm1.forward(x), n, t), x1);
        INDArray h = x1;
        if (rows != null) {
            h = scratch.get(role + ".x1rows", x.dataType(), rows.length, dim);
            Nd4j.pullRows(x1, h, 1, rows);
        }
        out = scratch.get(role + ".out", x.dataType(), h.size(0), dim);
        add(h, mlp.forward(norm2.forward(h)), out);
        return out;
    }

    /**
     * @param dOut [N*T, D], or [rows, D] after a forward for some rows
     * @return dx [N*T, D], owned by this block
     */
    public INDArray backward(INDArray dOut) {
        long m = x1.size(0);
        // shared with every block: the caller's dOut (the next block's dx) is dead once dx1 is formed
        INDArray dx1 = scratch.get(role + ".dx1", dOut.dataType(), m, dim);
        INDArray dx = scratch.get(role + ".dx", dOut.dataType(), m, dim);
        if (outRows == null) {
            add(dOut, norm2.backward(mlp.backward(dOut)), dx1);
        } else {
            INDArray dRows = scratch.get(role + ".dx1rows", dOut.dataType(), outRows.length, dim);
            add(dOut, norm2.backward(mlp.backward(dOut)), dRows);
            Kernels.scatterRows(dRows, outRows, dx1);             // rows not output get no gradient here
        }
        add(dx1, norm1.backward(attn.backward(dx1)), dx);
        return dx;
    }

    /** z = a + b: the residual connections. */
    private static void add(INDArray a, INDArray b, INDArray z) {
        if (FusedKernels.applies(a, b, z)) {
            FusedKernels.add(a, b, z);
        } else {
            a.add(b, z);
        }
    }
}
