package dev.maejvm.vit.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * All trainable parameters of a model in one flat buffer, and all gradients in another, each
 * parameter a named view into both (DESIGN.md). The optimiser updates the flat buffers in a few
 * vector operations; checkpoints and weight files read and write the named views.
 *
 * <p>Two phases: layers {@link #register} their parameters while the model is constructed, then
 * {@link #build} allocates the buffers, binds the views and initialises them.
 */
public final class ParamStore {
    private final DataType dataType;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private INDArray values;
    private INDArray grads;
    private final ScratchPool scratch = new ScratchPool();

    public ParamStore(DataType dataType) {
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + dataType);
        }
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The model's shared backward buffers (one model, one pool). */
    public ScratchPool scratch() {
        return scratch;
    }

    /** Declares a parameter; its views exist after {@link #build}. */
    public Param register(String name, long[] shape, Init init, boolean weightDecay) {
        if (values != null) {
            throw new IllegalStateException("ParamStore already built; cannot register " + name);
        }
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        Param p = new Param(name, shape, init, weightDecay);
        params.put(name, p);
        return p;
    }

    /** Allocates the flat buffers, binds every parameter's views and initialises the values. */
    public ParamStore build(long seed) {
        long total = params.values().stream().mapToLong(Param::length).sum();
        values = Nd4j.create(dataType, total);
        SplittableRandom rng = new SplittableRandom(seed);
        long offset = 0;
        for (Param p : params.values()) {
            long n = p.length();
            p.bind(this, offset, values);
            double[] init = new double[Math.toIntExact(n)];
            p.init().fill(init, p.shape(), rng);
            p.value().assign(Nd4j.create(init, p.shape(), DataType.DOUBLE).castTo(dataType));
            offset += n;
        }
        return this;
    }

    public Param get(String name) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return p;
    }

    public boolean contains(String name) {
        return params.containsKey(name);
    }

    /** Parameters in registration order (the order of the flat buffers). */
    public List<Param> params() {
        return Collections.unmodifiableList(new ArrayList<>(params.values()));
    }

    /** Number of trainable scalars. */
    public long size() {
        return params.values().stream().mapToLong(Param::length).sum();
    }

    /** The flat parameter buffer [P]. */
    public INDArray values() {
        checkBuilt();
        return values;
    }

    /**
     * The flat gradient buffer [P], allocated on first use: a model that only runs forward
     * (export, reconstruction, a frozen encoder) never holds it.
     */
    public synchronized INDArray grads() {
        checkBuilt();
        if (grads == null) {
            grads = Nd4j.create(dataType, size());
            for (Param p : params.values()) {
                p.bindGrad(grads);
            }
        }
        return grads;
    }

    public void zeroGrads() {
        if (grads().length() > 0) {
            grads.assign(0);
        }
    }

    private void checkBuilt() {
        if (values == null) {
            throw new IllegalStateException("ParamStore not built yet");
        }
    }
}
