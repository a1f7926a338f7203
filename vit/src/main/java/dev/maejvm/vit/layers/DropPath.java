package dev.maejvm.vit.layers;

import dev.maejvm.vit.engine.ActivationGuard;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stochastic depth (Huang et al. 2016) as timm's {@code DropPath}: in training, each sample's
 * residual branch is dropped with probability {@code prob} and otherwise scaled by
 * 1 / (1 - prob), so its expectation is the branch itself; in evaluation, the identity. The
 * branch rows of one sample all share one draw.
 */
public final class DropPath {
    private final double prob;
    private final Scratch scratch;
    private final ActivationGuard guard;
    private boolean identity = true;      // the last training forward dropped nothing and scaled nothing
    private INDArray rowScale;            // [M]: 0 or 1 / (1 - prob) per row

    /** @param prob the drop probability, in [0, 1) */
    public DropPath(double prob, Scratch scratch) {
        if (!(prob >= 0 && prob < 1)) {
            throw new IllegalArgumentException("drop path probability must be in [0, 1), got " + prob);
        }
        this.prob = prob;
        this.scratch = scratch;
        this.guard = new ActivationGuard(scratch.name());
    }

    public double prob() {
        return prob;
    }

    /**
     * Scales the branch in place.
     *
     * @param branch [M, D], rows of {@code n} samples
     * @param sampleOfRow the sample (0 .. n-1) each row belongs to
     * @return branch, dropped and scaled per sample in training, untouched in evaluation
     */
    public INDArray forward(INDArray branch, int n, int[] sampleOfRow, Ctx ctx) {
        if (draw(branch, n, sampleOfRow, ctx)) {
            Kernels.mulColumn(branch, rowScale, branch);
        }
        return branch;
    }

    /**
     * The residual connection with this drop path on its branch, in one pass: out = x + drop_path(branch).
     *
     * @param x [M, D] the identity path
     * @param branch [M, D], rows of {@code n} samples (left as it is)
     * @param out [M, D], written (may be x)
     */
    public void forwardAdd(INDArray x, INDArray branch, int n, int[] sampleOfRow, Ctx ctx, INDArray out) {
        if (!draw(branch, n, sampleOfRow, ctx)) {
            Kernels.add(x, branch, out);
        } else {
            Kernels.addScaledRows(x, branch, rowScale, out);
        }
    }

    /** Arms the guard and draws the samples' scales; false where the pass is the identity. */
    private boolean draw(INDArray branch, int n, int[] sampleOfRow, Ctx ctx) {
        guard.forward(ctx);
        identity = !ctx.training() || prob == 0;
        if (identity) {
            return false;
        }
        double keep = 1 - prob;
        double[] perSample = new double[n];
        for (int s = 0; s < n; s++) {
            perSample[s] = ctx.rng().nextDouble() < keep ? 1 / keep : 0;   // bernoulli(keep) / keep
        }
        double[] perRow = new double[sampleOfRow.length];
        for (int r = 0; r < perRow.length; r++) {
            perRow[r] = perSample[sampleOfRow[r]];
        }
        rowScale = Nd4j.create(perRow).castTo(branch.dataType());
        return true;
    }

    /**
     * @param dy [M, D] the gradient at the branch's output (kept intact: the identity path needs it)
     * @return the gradient at the branch's input: dy itself when nothing was dropped, else in the scratch scope
     */
    public INDArray backward(INDArray dy) {
        guard.backward();
        if (identity) {
            return dy;
        }
        INDArray d = scratch.get("d", dy.dataType(), dy.shape());
        Kernels.mulColumn(dy, rowScale, d);
        return d;
    }

    /** The sample of each of {@code n * t} token rows ordered (sample, token). */
    public static int[] samplesOfTokens(int n, int t) {
        int[] s = new int[n * t];
        for (int r = 0; r < s.length; r++) {
            s[r] = r / t;
        }
        return s;
    }
}
