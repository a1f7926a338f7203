package dev.maejvm.pretrain.optim;

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
 * AdamW (Loshchilov and Hutter, 2019) as torch.optim.AdamW, over the flat parameter and gradient
 * buffers of a {@link ParamStore} in a few vector operations:
 * p -= lr * wd * p (only for parameters flagged {@link Param#weightDecay}: tensors of rank >= 2
 * but biases, so weights and the cls and mask tokens, as official MAE pretraining),
 * then m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * For float32 in host memory it runs as one fused pass (ten ND4J vector passes over 6.2 M
 * parameters took ~29 ms a step). Which values decay is kept as runs of the flat buffer, not as a
 * [P] mask: one buffer less to hold and to read each step.
 */
public final class AdamW {
    public static final String EXP_AVG = "exp_avg.";
    public static final String EXP_AVG_SQ = "exp_avg_sq.";
    private final ParamStore store;
    private final AdamWConfig config;
    private final INDArray m;
    private final INDArray v;
    /** Maximal runs of the flat buffer with one decay setting: run r is [runStart[r], runStart[r + 1]). */
    private final long[] runStart;
    private final boolean[] runDecays;
    private INDArray scratch;            // [P], the portable path's only
    private long step;

    public AdamW(ParamStore store, AdamWConfig config) {
        this.store = store;
        this.config = config;
        this.m = Nd4j.create(store.dataType(), store.size());
        this.v = Nd4j.create(store.dataType(), store.size());
        List<Long> starts = new ArrayList<>();
        List<Boolean> decays = new ArrayList<>();
        for (Param p : store.params()) {
            boolean decays1 = p.rank() > 1 && !p.name().endsWith(".bias");     // add_weight_decay's rule
            if (p.length() > 0 && (decays.isEmpty() || decays.get(decays.size() - 1) != decays1)) {
                starts.add(p.offset());
                decays.add(decays1);
            }
        }
        starts.add(store.size());
        this.runStart = starts.stream().mapToLong(Long::longValue).toArray();
        this.runDecays = new boolean[decays.size()];
        for (int r = 0; r < runDecays.length; r++) {
            runDecays[r] = decays.get(r);
        }
    }

    public AdamWConfig config() {
        return config;
    }

    /** Number of updates done (t in the bias corrections). */
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
     * The moments per parameter, as torch's {@code optimizer.state_dict()} keeps them:
     * {@code exp_avg.<name>} and {@code exp_avg_sq.<name>}, views in the parameter's shape.
     * Per parameter, no tensor is bigger than its weight (flat, vit-h14's are 2.6 GB each).
     */
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (Param p : store.params()) {
            state.put(EXP_AVG + p.name(), p.sliceOf(m));
        }
        for (Param p : store.params()) {
            state.put(EXP_AVG_SQ + p.name(), p.sliceOf(v));
        }
        return state;
    }

    /** Sets the update count after the moments were copied into {@link #state()}'s views (a resume). */
    public void restoreStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        this.step = step;
    }

    /** One update with learning rate {@code lr} from the gradients in the store. */
    public void update(double lr) {
        step++;
        INDArray p = store.values();
        INDArray g = store.grads();
        double b1 = config.beta1();
        double b2 = config.beta2();
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        if (FusedKernels.applies(p, g, m, v)) {
            updateFused(p, g, lr, bc1, bc2);
            return;
        }
        if (scratch == null) {
            scratch = Nd4j.create(store.dataType(), store.size());
        }
        if (config.weightDecay() != 0) {
            for (int r = 0; r < runDecays.length; r++) {
                if (runDecays[r]) {                                      // decoupled decay
                    p.get(NDArrayIndex.interval(runStart[r], runStart[r + 1])).muli(1 - lr * config.weightDecay());
                }
            }
        }
        m.muli(b1);
        axpy(1 - b1, g, m);
        g.mul(g, scratch);
        v.muli(b2);
        axpy(1 - b2, scratch, v);
        v.mul(1 / bc2, scratch);
        Nd4j.exec(new Sqrt(scratch, scratch));
        scratch.addi(config.eps());
        m.div(scratch, scratch);
        axpy(-lr / bc1, scratch, p);
    }

    private static final int CHUNK = 4096;
    /** p, g, m and v of one chunk, per thread (fresh arrays made 0.1 GB garbage a step). */
    private static final ThreadLocal<float[][]> CHUNK_ARRAYS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    /** The same update, element by element in one pass, chunks spread over the cores. */
    private void updateFused(INDArray p, INDArray g, double lr, double bc1, double bc2) {
        FloatBuffer pb = p.data().asNioFloat(), gb = g.data().asNioFloat(), mb = m.data().asNioFloat();
        FloatBuffer vb = v.data().asNioFloat();
        int po = (int) p.offset(), go = (int) g.offset(), mo = (int) m.offset(), vo = (int) v.offset();
        int n = (int) p.length();
        float b1 = (float) config.beta1(), b2 = (float) config.beta2(), eps = (float) config.eps();
        float decay = (float) (lr * config.weightDecay());
        float stepSize = (float) (lr / bc1);
        float invBc2 = (float) (1 / bc2);
        KernelPool.run((n + CHUNK - 1) / CHUNK, c -> {
            int start = c * CHUNK;
            int len = Math.min(CHUNK, n - start);
            float[][] a = CHUNK_ARRAYS.get();
            float[] ps = a[0], gs = a[1], ms = a[2], vs = a[3];
            pb.get(po + start, ps, 0, len);
            gb.get(go + start, gs, 0, len);
            mb.get(mo + start, ms, 0, len);
            vb.get(vo + start, vs, 0, len);
            int r = run(start);
            for (int from = 0; from < len; r++) {                            // one run of one decay setting at a time
                int to = (int) Math.min(len, runStart[r + 1] - start);
                float keep = runDecays[r] ? 1 - decay : 1;                       // decoupled decay, as torch's p *= 1 - lr wd
                for (int j = from; j < to; j++) {
                    float gj = gs[j];
                    float mj = b1 * ms[j] + (1 - b1) * gj;
                    float vj = b2 * vs[j] + (1 - b2) * gj * gj;
                    ps[j] = keep * ps[j] - stepSize * mj / ((float) Math.sqrt(vj * invBc2) + eps);
                    ms[j] = mj;
                    vs[j] = vj;
                }
                from = to;
            }
            pb.put(po + start, ps, 0, len);
            mb.put(mo + start, ms, 0, len);
            vb.put(vo + start, vs, 0, len);
        });
    }

    /** The run holding flat index i. */
    private int run(long i) {
        int r = Arrays.binarySearch(runStart, i);
        return r >= 0 ? r : -r - 2;
    }

    /** y += alpha * x. */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }

    /** The global L2 norm of the gradients. */
    public static double gradNorm(ParamStore store) {
        return store.grads().norm2Number().doubleValue();
    }

    /** Scales the gradients so their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clipGradNorm(ParamStore store, double maxNorm) {
        double norm = gradNorm(store);
        if (norm > maxNorm) {
            store.grads().muli(maxNorm / (norm + 1e-6));
        }
        return norm;
    }
}
