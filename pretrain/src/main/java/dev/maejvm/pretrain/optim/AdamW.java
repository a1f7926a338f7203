package dev.maejvm.pretrain.optim;

import dev.maejvm.vit.engine.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW (Loshchilov and Hutter, 2019) as torch.optim.AdamW, over the flat parameter and gradient
 * buffers of a {@link ParamStore} in a few vector operations:
 * p -= lr * wd * p (only where the store's decay mask is 1: weights of rank >= 2, not biases,
 * norms, tokens, positions), then m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 */
public final class AdamW {
    private final ParamStore store;
    private final AdamWConfig config;
    private final INDArray m;
    private final INDArray v;
    private final INDArray scratch;
    private long step;

    public AdamW(ParamStore store, AdamWConfig config) {
        this.store = store;
        this.config = config;
        this.m = Nd4j.create(store.dataType(), store.size());
        this.v = Nd4j.create(store.dataType(), store.size());
        this.scratch = Nd4j.create(store.dataType(), store.size());
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

    /** Restores the state saved by a checkpoint. */
    public void restore(INDArray firstMoment, INDArray secondMoment, long step) {
        m.assign(firstMoment);
        v.assign(secondMoment);
        this.step = step;
    }

    /** One update with learning rate {@code lr} from the gradients in the store. */
    public void update(double lr) {
        step++;
        INDArray p = store.values();
        INDArray g = store.grads();
        double b1 = config.beta1();
        double b2 = config.beta2();
        if (config.weightDecay() != 0) {
            p.mul(store.decayMask(), scratch);
            axpy(-lr * config.weightDecay(), scratch, p);               // decoupled decay
        }
        m.muli(b1);
        axpy(1 - b1, g, m);
        g.mul(g, scratch);
        v.muli(b2);
        axpy(1 - b2, scratch, v);
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        v.mul(1 / bc2, scratch);
        Nd4j.exec(new Sqrt(scratch, scratch));
        scratch.addi(config.eps());
        m.div(scratch, scratch);
        axpy(-lr / bc1, scratch, p);
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
