package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ViTDet's decomposed relative positions (MViTv2; detectron2 {@code add_decomposed_rel_pos}): for
 * attention over an h x w grid of tokens, the score of query (iy, ix) and key (ky, kx) gets
 * q · Rh[iy − ky + h − 1] + q · Rw[ix − kx + w − 1], with the unscaled per-head query q and
 * tables {@code rel_pos_h} [2h − 1, hd], {@code rel_pos_w} [2w − 1, hd] shared by the heads,
 * zero-initialised (ViTDet's {@code rel_pos_zero_init}), so a pretrained encoder starts unchanged.
 * Query and key grids are the same (windowed or global attention over one map).
 *
 * <p>The terms are added to the scores between q k^T and the softmax, and their backward takes the
 * scores' gradient there: d q and d tables. Computed in double over bulk copies (the tables are
 * small; the work is N·H·T·(h + w)·hd multiply-adds).
 */
public final class RelativePosition {
    private final Param relH;
    private final Param relW;
    private final int h;
    private final int w;
    private final int headDim;
    private double[] q;            // [N*H, T, hd] of the last forward, unscaled
    private int bh;

    /** @param name the attention's prefix: {@code <name>.rel_pos_h}, {@code <name>.rel_pos_w} */
    public RelativePosition(ParamStore store, String name, int h, int w, int headDim) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(name + ": relative positions need a grid of at least 1 x 1, got " + h + " x " + w);
        }
        this.relH = store.register(name + ".rel_pos_h", new long[] {2L * h - 1, headDim}, Init.ZEROS);
        this.relW = store.register(name + ".rel_pos_w", new long[] {2L * w - 1, headDim}, Init.ZEROS);
        this.h = h;
        this.w = w;
        this.headDim = headDim;
    }

    /** Tokens per sequence, h * w. */
    public int tokens() {
        return h * w;
    }

    /**
     * scores[b, i, j] += q[b, i] · Rh[iy − ky + h − 1] + q[b, i] · Rw[ix − kx + w − 1].
     *
     * @param qHeads [N*H, T, hd], the queries per (sample, head), unscaled
     * @param scores [N*H, T, T], q k^T * scale, before the softmax; added to
     */
    public void forward(INDArray qHeads, INDArray scores) {
        int t = h * w;
        this.bh = (int) qHeads.size(0);
        this.q = qHeads.dup('c').data().asDouble();
        double[] rh = relH.value().dup('c').data().asDouble();
        double[] rw = relW.value().dup('c').data().asDouble();
        double[] s = scores.dup('c').data().asDouble();
        double[] relh = new double[h];
        double[] relw = new double[w];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                int qo = (b * t + i) * headDim;
                int iy = i / w;
                int ix = i % w;
                for (int ky = 0; ky < h; ky++) {
                    relh[ky] = dot(q, qo, rh, (iy - ky + h - 1) * headDim);
                }
                for (int kx = 0; kx < w; kx++) {
                    relw[kx] = dot(q, qo, rw, (ix - kx + w - 1) * headDim);
                }
                int so = (b * t + i) * t;
                for (int ky = 0; ky < h; ky++) {
                    for (int kx = 0; kx < w; kx++) {
                        s[so + ky * w + kx] += relh[ky] + relw[kx];
                    }
                }
            }
        }
        scores.assign(Nd4j.createFromArray(s).reshape(scores.shape()).castTo(scores.dataType()));
    }

    /**
     * Adds the tables' gradients and returns d q.
     *
     * @param dScores [N*H, T, T], the gradient at the scores (after the softmax's backward)
     * @return d q [N*H, T, hd] from the relative terms, to add to the queries' gradient
     */
    public INDArray backward(INDArray dScores) {
        int t = h * w;
        double[] ds = dScores.dup('c').data().asDouble();
        double[] rh = relH.value().dup('c').data().asDouble();
        double[] rw = relW.value().dup('c').data().asDouble();
        double[] dq = new double[bh * t * headDim];
        double[] drh = new double[rh.length];
        double[] drw = new double[rw.length];
        double[] dRelh = new double[h];
        double[] dRelw = new double[w];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                int so = (b * t + i) * t;
                java.util.Arrays.fill(dRelh, 0);
                java.util.Arrays.fill(dRelw, 0);
                for (int ky = 0; ky < h; ky++) {
                    for (int kx = 0; kx < w; kx++) {
                        double g = ds[so + ky * w + kx];
                        dRelh[ky] += g;
                        dRelw[kx] += g;
                    }
                }
                int qo = (b * t + i) * headDim;
                int iy = i / w;
                int ix = i % w;
                for (int ky = 0; ky < h; ky++) {
                    int r = (iy - ky + h - 1) * headDim;
                    for (int c = 0; c < headDim; c++) {
                        dq[qo + c] += dRelh[ky] * rh[r + c];
                        drh[r + c] += dRelh[ky] * q[qo + c];
                    }
                }
                for (int kx = 0; kx < w; kx++) {
                    int r = (ix - kx + w - 1) * headDim;
                    for (int c = 0; c < headDim; c++) {
                        dq[qo + c] += dRelw[kx] * rw[r + c];
                        drw[r + c] += dRelw[kx] * q[qo + c];
                    }
                }
            }
        }
        DataType dt = dScores.dataType();
        if (relH.trainable()) {
            relH.grad().addi(Nd4j.createFromArray(drh).reshape(relH.shape()).castTo(relH.grad().dataType()));
        }
        if (relW.trainable()) {
            relW.grad().addi(Nd4j.createFromArray(drw).reshape(relW.shape()).castTo(relW.grad().dataType()));
        }
        return Nd4j.createFromArray(dq).reshape(bh, t, headDim).castTo(dt);
    }

    private double dot(double[] a, int ao, double[] b, int bo) {
        double s = 0;
        for (int c = 0; c < headDim; c++) {
            s += a[ao + c] * b[bo + c];
        }
        return s;
    }

}
