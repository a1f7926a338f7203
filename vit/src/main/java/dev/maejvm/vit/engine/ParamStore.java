package dev.maejvm.vit.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model's state: all parameters in one flat value buffer, the gradients of the trainable ones
 * in another, each parameter a named view into both (docs/ENGINE.md), and named non-trainable
 * buffers (fixed sin-cos tables, running statistics) that go into state dicts and checkpoints
 * beside the parameters. The optimiser updates the flat buffers in one pass; checkpoints and
 * weight files read and write the named views.
 *
 * <p>Phases: layers {@link #register} their parameters (and {@link #registerBuffer} their
 * buffers) while the model is constructed; {@link #build} allocates the values, binds the views
 * and initialises them; {@link #setTrainable} may then freeze some; the first {@link #grads}
 * allocates the gradients of the trainable ones, after which the split is fixed.
 */
public final class ParamStore {
    private final DataType dataType;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();
    private final java.util.Set<String> formulas = new java.util.HashSet<>();
    private INDArray values;
    private INDArray grads;
    private long gradSize;

    public ParamStore(DataType dataType) {
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + dataType);
        }
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Declares a parameter; its views exist after {@link #build}. */
    public Param register(String name, long[] shape, Init init) {
        if (values != null) {
            throw new IllegalStateException("ParamStore already built; cannot register " + name);
        }
        checkNewName(name);
        Param p = new Param(name, shape, init);
        params.put(name, p);
        return p;
    }

    /**
     * Declares a named non-trainable tensor, kept by reference, saved with the parameters, never
     * updated by an optimiser.
     *
     * @param formula true for a table that is a formula of the config (the fixed sin-cos
     *     positions): a weight file's copy is checked against it, not loaded; false for state
     *     that is loaded (running statistics)
     */
    public INDArray registerBuffer(String name, INDArray buffer, boolean formula) {
        checkNewName(name);
        buffers.put(name, buffer);
        if (formula) {
            formulas.add(name);
        }
        return buffer;
    }

    /** Whether the buffer of this name is a formula ({@link #registerBuffer}). */
    public boolean isFormula(String name) {
        return formulas.contains(name);
    }

    private void checkNewName(String name) {
        if (params.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter or buffer name " + name);
        }
    }

    /** Allocates the flat value buffer, binds every parameter's view and initialises the values. */
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
        layOutGrads();
        return this;
    }

    /**
     * Sets which parameters train (the others are frozen: no gradient, no update). Only before
     * the gradient buffer exists, i.e. before the first backward or optimiser.
     */
    public synchronized void setTrainable(Predicate<Param> trainable) {
        checkBuilt();
        if (grads != null) {
            throw new IllegalStateException("the gradient buffer exists already: set what trains before the first backward"
                    + " or optimiser");
        }
        params.values().forEach(p -> p.setTrainable(trainable.test(p)));
        layOutGrads();
    }

    private void layOutGrads() {
        long g = 0;
        for (Param p : params.values()) {
            p.layOutGrad(p.trainable() ? g : -1);
            g += p.trainable() ? p.length() : 0;
        }
        gradSize = g;
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

    /** The trainable parameters, in the order of the gradient buffer. */
    public List<Param> trainableParams() {
        return params.values().stream().filter(Param::trainable).toList();
    }

    /** The named non-trainable buffers, in registration order (live arrays). */
    public Map<String, INDArray> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Number of parameter scalars, trainable or not. */
    public long size() {
        return params.values().stream().mapToLong(Param::length).sum();
    }

    /** Number of trainable scalars: the length of the gradient buffer. */
    public long gradSize() {
        return gradSize;
    }

    /** The flat parameter buffer [P]. */
    public INDArray values() {
        checkBuilt();
        return values;
    }

    /**
     * The flat gradient buffer [G] of the trainable parameters, allocated on first use: a model
     * that only runs forward (export, reconstruction, a frozen encoder) never holds it.
     */
    public synchronized INDArray grads() {
        checkBuilt();
        if (grads == null) {
            grads = Nd4j.create(dataType, gradSize);
            for (Param p : params.values()) {
                if (p.trainable()) {
                    p.bindGrad(grads);
                }
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
