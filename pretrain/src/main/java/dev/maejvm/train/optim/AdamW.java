package dev.maejvm.train.optim;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.KernelPool;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * AdamW (Loshchilov and Hutter, 2019) as torch.optim.AdamW over parameter groups
 * ({@link ParamGroups}), over the flat parameter and gradient buffers of a {@link ParamStore}:
 * with the group's lr = lr * lrScale, p -= lr_g * wd * p where the group decays, then
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr_g * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Only trainable parameters have moments and are updated; frozen ones stay bit for bit. For
 * float32 in host memory it runs as one fused pass (docs/PERFORMANCE.md), over runs of
 * parameters that lie together in both the value and the gradient buffer and share one group's
 * setting: no [P] mask to hold or read.
 */
public final class AdamW implements Optimizer {
    public static final String EXP_AVG = "exp_avg.";
    public static final String EXP_AVG_SQ = "exp_avg_sq.";
    private static final int CHUNK = 4096;
    /** p, g, m and v of one chunk, per thread (fresh arrays made 0.1 GB garbage a step). */
    private static final ThreadLocal<float[][]> CHUNK_ARRAYS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    private final ParamStore store;
    private final AdamWConfig config;
    private final INDArray m;            // [G], laid out as the gradients
    private final INDArray v;
    /** Run r: values [valueStart, valueStart + length), gradients and moments [gradStart, ...), one setting. */
    private final long[] valueStart;
    private final long[] gradStart;
    private final long[] length;
    private final boolean[] decays;
    private final double[] lrScale;
    /** The fused pass's chunks: chunk c is [chunkFrom[c], chunkFrom[c] + CHUNK) of run chunkRun[c], capped at the run. */
    private final int[] chunkRun;
    private final long[] chunkFrom;
    private INDArray scratch;            // [G], the portable path's only
    private long step;

    /** MAE pretraining's groups ({@link ParamGroups#maePretrain}). */
    public AdamW(ParamStore store, AdamWConfig config) {
        this(store, config, ParamGroups.maePretrain());
    }

    /**
     * Over the store's trainable parameters, which the groups must have set already
     * ({@link ParamGroups#applyTrainable}); the gradient layout is fixed from here on.
     */
    public AdamW(ParamStore store, AdamWConfig config, ParamGroups groups) {
        this.store = store;
        this.config = config;
        store.grads();                                               // fixes which parameters train
        for (Param p : store.params()) {
            if (p.trainable() != groups.of(p).trainable()) {
                throw new IllegalStateException("parameter " + p.name() + " is " + (p.trainable() ? "trainable" : "frozen")
                        + " in the store but not in the groups: apply the groups' trainable flags before the first backward");
            }
        }
        this.m = Nd4j.create(store.dataType(), store.gradSize());
        this.v = Nd4j.create(store.dataType(), store.gradSize());
        List<long[]> runs = new ArrayList<>();                        // {valueStart, gradStart, length}
        List<ParamGroups.Group> settings = new ArrayList<>();
        for (Param p : store.trainableParams()) {
            ParamGroups.Group g = groups.of(p);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            ParamGroups.Group lastG = settings.isEmpty() ? null : settings.get(settings.size() - 1);
            if (last != null && lastG.decay() == g.decay() && lastG.lrScale() == g.lrScale()
                    && last[0] + last[2] == p.offset() && last[1] + last[2] == p.gradOffset()) {
                last[2] += p.length();
            } else if (p.length() > 0) {
                runs.add(new long[] {p.offset(), p.gradOffset(), p.length()});
                settings.add(g);
            }
        }
        int r = runs.size();
        valueStart = new long[r];
        gradStart = new long[r];
        length = new long[r];
        decays = new boolean[r];
        lrScale = new double[r];
        List<int[]> chunks = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            valueStart[i] = runs.get(i)[0];
            gradStart[i] = runs.get(i)[1];
            length[i] = runs.get(i)[2];
            decays[i] = settings.get(i).decay();
            lrScale[i] = settings.get(i).lrScale();
            for (long from = 0; from < length[i]; from += CHUNK) {
                chunks.add(new int[] {i, Math.toIntExact(from)});
            }
        }
        chunkRun = chunks.stream().mapToInt(c -> c[0]).toArray();
        chunkFrom = chunks.stream().mapToLong(c -> c[1]).toArray();
    }

    public AdamWConfig config() {
        return config;
    }

    /** Number of updates done (t in the bias corrections). */
    @Override
    public long step() {
        return step;
    }

    /** First and second moment buffers [P] (for checkpoints). */
    public INDArray firstMoment() {
        return m;
    }

    public INDArray secondMoment() {
        return v;
    }

    /**
     * The moments per trainable parameter, as torch's {@code optimizer.state_dict()} keeps them:
     * {@code exp_avg.<name>} and {@code exp_avg_sq.<name>}, views in the parameter's shape.
     * Per parameter, no tensor is bigger than its weight (flat, vit-h14's are 2.6 GB each).
     */
    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (Param p : store.trainableParams()) {
            state.put(EXP_AVG + p.name(), p.gradSliceOf(m));
        }
        for (Param p : store.trainableParams()) {
            state.put(EXP_AVG_SQ + p.name(), p.gradSliceOf(v));
        }
        return state;
    }

    /** Sets the update count after the moments were copied into {@link #state()}'s views (a resume). */
    @Override
    public void restoreStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        this.step = step;
    }

    /** One update with learning rate {@code lr} (each group's: lr * lrScale) from the gradients in the store. */
    @Override
    public void update(double lr) {
        step++;
        INDArray p = store.values();
        INDArray g = store.grads();
        double bc1 = 1 - Math.pow(config.beta1(), step);
        double bc2 = 1 - Math.pow(config.beta2(), step);
        if (FusedKernels.applies(p, g, m, v)) {
            updateFused(p, g, lr, bc1, bc2);
            return;
        }
        if (scratch == null) {
            scratch = Nd4j.create(store.dataType(), Math.max(1, store.gradSize()));
        }
        double b1 = config.beta1();
        double b2 = config.beta2();
        for (int r = 0; r < length.length; r++) {
            double lrG = lr * lrScale[r];
            INDArray pr = p.get(NDArrayIndex.interval(valueStart[r], valueStart[r] + length[r]));
            var grads = NDArrayIndex.interval(gradStart[r], gradStart[r] + length[r]);
            INDArray gr = g.get(grads), mr = m.get(grads), vr = v.get(grads);
            INDArray sr = scratch.get(NDArrayIndex.interval(0, length[r]));
            if (decays[r] && config.weightDecay() != 0) {
                pr.muli(1 - lrG * config.weightDecay());                    // decoupled decay
            }
            mr.muli(b1);
            axpy(1 - b1, gr, mr);
            gr.mul(gr, sr);
            vr.muli(b2);
            axpy(1 - b2, sr, vr);
            vr.mul(1 / bc2, sr);
            Nd4j.exec(new Sqrt(sr, sr));
            sr.addi(config.eps());
            mr.div(sr, sr);
            axpy(-lrG / bc1, sr, pr);
        }
    }

    /** The same update, element by element in one pass, chunks of the runs spread over the cores. */
    private void updateFused(INDArray p, INDArray g, double lr, double bc1, double bc2) {
        FloatBuffer pb = p.data().asNioFloat(), gb = g.data().asNioFloat(), mb = m.data().asNioFloat();
        FloatBuffer vb = v.data().asNioFloat();
        int po = (int) p.offset(), go = (int) g.offset(), mo = (int) m.offset(), vo = (int) v.offset();
        float b1 = (float) config.beta1(), b2 = (float) config.beta2(), eps = (float) config.eps();
        float invBc2 = (float) (1 / bc2);
        KernelPool.run(chunkRun.length, c -> {
            int r = chunkRun[c];
            int len = (int) Math.min(CHUNK, length[r] - chunkFrom[c]);
            int vAt = (int) (valueStart[r] + chunkFrom[c]);
            int gAt = (int) (gradStart[r] + chunkFrom[c]);
            double lrG = lr * lrScale[r];
            float decay = (float) (lrG * config.weightDecay());
            float keep = decays[r] ? 1 - decay : 1;                                 // decoupled decay, as torch's p *= 1 - lr wd
            float stepSize = (float) (lrG / bc1);
            float[][] a = CHUNK_ARRAYS.get();
            float[] ps = a[0], gs = a[1], ms = a[2], vs = a[3];
            pb.get(po + vAt, ps, 0, len);
            gb.get(go + gAt, gs, 0, len);
            mb.get(mo + gAt, ms, 0, len);
            vb.get(vo + gAt, vs, 0, len);
            for (int j = 0; j < len; j++) {
                float gj = gs[j];
                float mj = b1 * ms[j] + (1 - b1) * gj;
                float vj = b2 * vs[j] + (1 - b2) * gj * gj;
                ps[j] = keep * ps[j] - stepSize * mj / ((float) Math.sqrt(vj * invBc2) + eps);
                ms[j] = mj;
                vs[j] = vj;
            }
            pb.put(po + vAt, ps, 0, len);
            mb.put(mo + gAt, ms, 0, len);
            vb.put(vo + gAt, vs, 0, len);
        });
    }

    /** y += alpha * x. */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }
}
