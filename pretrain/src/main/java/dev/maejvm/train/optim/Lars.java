package dev.maejvm.train.optim;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * LARS (You et al., 2017) as the official MAE's {@code util/lars.py}, the linear probe's optimiser,
 * over the trainable parameters of a {@link ParamStore}. Per parameter p with gradient g and the
 * group's lr = lr * lrScale:
 * <pre>
 *   dp = g
 *   if p has more than one dimension:          # no decay and no trust ratio on biases and norms
 *       dp = dp + weightDecay * p
 *       q = trustCoefficient * ||p|| / ||dp||   if ||p|| > 0 and ||dp|| > 0, else 1
 *       dp = q * dp
 *   mu = momentum * mu + dp                     # mu starts at 0
 *   p = p - lr * mu
 * </pre>
 *
 * <p>Parameter groups: only their {@code trainable} flag (which must already be applied to the
 * store, as for {@link AdamW}) and their {@code lrScale} are used. Their {@code decay} flag is
 * ignored: the official LARS decides weight decay and the trust ratio by the number of dimensions
 * alone, whatever the groups passed to it say, and so does this one (so a [1, 1, D] cls token is
 * decayed here even under {@link ParamGroups#layerDecay}, as it would be in {@code lars.py}).
 * Frozen parameters have no momentum buffer and stay bit for bit. Computes in the store's type
 * with ND4J ops, one parameter at a time (its norms are per parameter); the probe's head is small.
 */
public final class Lars implements Optimizer {
    /** The prefix of the momentum buffers in {@link #state()}: torch's {@code state[p]['mu']}. */
    public static final String MU = "mu.";

    private final ParamStore store;
    private final LarsConfig config;
    private final List<Param> params;    // the trainable ones, in gradient order
    private final double[] lrScale;      // per entry of params
    private final INDArray mu;           // [G], laid out as the gradients
    private final INDArray dp;           // [G], the update direction before the momentum, scratch
    private long step;

    /** Over the store's trainable parameters as they are, every one at lr scale 1. */
    public Lars(ParamStore store, LarsConfig config) {
        this(store, config, ParamGroups.maePretrain().only(name -> store.get(name).trainable()));
    }

    /**
     * Over the store's trainable parameters, which the groups must have set already
     * ({@link ParamGroups#applyTrainable}); the gradient layout is fixed from here on.
     */
    public Lars(ParamStore store, LarsConfig config, ParamGroups groups) {
        this.store = store;
        this.config = config;
        store.grads();                                               // fixes which parameters train
        for (Param p : store.params()) {
            if (p.trainable() != groups.of(p).trainable()) {
                throw new IllegalStateException("parameter " + p.name() + " is " + (p.trainable() ? "trainable" : "frozen")
                        + " in the store but not in the groups: apply the groups' trainable flags before the first backward");
            }
        }
        this.params = store.trainableParams();
        this.lrScale = params.stream().mapToDouble(p -> groups.of(p).lrScale()).toArray();
        this.mu = Nd4j.create(store.dataType(), store.gradSize());
        this.dp = Nd4j.create(store.dataType(), store.gradSize());
    }

    public LarsConfig config() {
        return config;
    }

    @Override
    public long step() {
        return step;
    }

    /** The momentum buffers per trainable parameter, {@code mu.<name>}, views in the parameter's shape. */
    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (Param p : params) {
            state.put(MU + p.name(), p.gradSliceOf(mu));
        }
        return state;
    }

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
        INDArray values = store.values();
        INDArray grads = store.grads();
        for (int i = 0; i < params.size(); i++) {
            Param param = params.get(i);
            if (param.length() == 0) {
                continue;
            }
            // flat views [len] of this parameter in the value, gradient, momentum and scratch buffers
            INDArray p = values.get(NDArrayIndex.interval(param.offset(), param.offset() + param.length()));
            var at = NDArrayIndex.interval(param.gradOffset(), param.gradOffset() + param.length());
            INDArray g = grads.get(at);
            INDArray m = mu.get(at);
            INDArray d = g;
            if (param.rank() > 1) {
                d = dp.get(at).assign(g);
                if (config.weightDecay() != 0) {
                    axpy(config.weightDecay(), p, d);                      // dp = g + wd * p
                }
                double paramNorm = p.norm2Number().doubleValue();
                double updateNorm = d.norm2Number().doubleValue();
                double q = paramNorm > 0 && updateNorm > 0 ? config.trustCoefficient() * paramNorm / updateNorm : 1;
                d.muli(q);                                                 // the trust ratio
            }
            m.muli(config.momentum()).addi(d);                             // mu = momentum * mu + dp
            axpy(-lr * lrScale[i], m, p);                                  // p -= lr_g * mu
        }
    }

    /** y += alpha * x. */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }
}
