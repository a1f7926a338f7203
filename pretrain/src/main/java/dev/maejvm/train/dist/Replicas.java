package dev.maejvm.train.dist;

import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.engine.ParamStore;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keeps the model replicas of all ranks identical in synchronous data-parallel training: the same
 * start (rank 0's parameters, buffers and optimiser state broadcast to all), the same gradient
 * every step (each rank's weighted by its share of the global batch, then summed in one
 * allreduce of the flat gradient buffer, Horovod's fusion), hence the same optimiser step.
 */
public final class Replicas {
    private final Collective group;

    public Replicas(Collective group) {
        this.group = group;
    }

    public Collective group() {
        return group;
    }

    /**
     * Copies rank 0's parameters (the flat buffer, one broadcast), its floating-point named
     * buffers (running statistics, fixed tables) and the optimiser's state and step into every
     * rank. Integer buffers (a BatchNorm's num_batches_tracked) advance alike on every rank and
     * are left as they are.
     */
    public void broadcastFromRoot(ParamStore store, Optimizer optimizer) {
        group.broadcast(store.values(), 0);
        for (INDArray b : store.buffers().values()) {
            if (b.dataType().isFPType() && b.length() > 0) {
                group.broadcast(b, 0);
            }
        }
        if (optimizer != null) {
            for (INDArray s : optimizer.state().values()) {
                group.broadcast(s, 0);
            }
            double[] step = {optimizer.step()};
            group.broadcast(step, 0);
            optimizer.restoreStep((long) step[0]);
        }
    }

    /**
     * Fails on the ranks whose values differ from rank 0's, naming them: e.g. the training state a
     * rank resumed from, or its batches per epoch. Thrown on some ranks only, so the caller's
     * abort ends the job.
     *
     * @param names one name per value, for the message
     */
    public void requireSameAsRoot(String what, String[] names, double[] values) {
        double[] root = values.clone();
        group.broadcast(root, 0);
        if (!Arrays.equals(root, values)) {
            StringBuilder diff = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                if (Double.compare(values[i], root[i]) != 0) {
                    diff.append(diff.length() == 0 ? "" : ", ").append(names[i]).append(' ').append(fmt(values[i]))
                            .append(" (rank 0: ").append(fmt(root[i])).append(')');
                }
            }
            throw new IllegalStateException("rank " + group.rank() + " differs from rank 0 in " + what + ": " + diff
                    + "; every rank must start from the same checkpoint and read data of the same size");
        }
    }

    /**
     * Replaces every rank's gradients by the global batch's: grads *= weight on each rank, then
     * one sum over ranks of the whole flat buffer. With weight = this rank's examples / (all
     * ranks' examples x micro-batches per step) and per-rank losses that are means over their
     * examples, the result is the gradient of the mean loss over the global batch.
     */
    public void reduceGradients(ParamStore store, double weight) {
        INDArray g = store.grads();
        if (g.length() == 0) {
            return;
        }
        g.muli(weight);
        group.allreduceSum(g);
    }

    /**
     * Averages the loaded named buffers (running statistics; not the formula tables) over ranks,
     * each rank's weighted by {@code weight} (its share of the global batch): a running mean
     * becomes exactly the one of the global batch, a running variance the mean of the ranks'
     * (without the spread between the ranks' means). Replicas stay identical.
     */
    public void averageBuffers(ParamStore store, double weight) {
        for (Map.Entry<String, INDArray> e : store.buffers().entrySet()) {
            INDArray b = e.getValue();
            if (!store.isFormula(e.getKey()) && b.dataType().isFPType() && b.length() > 0) {
                b.muli(weight);
                group.allreduceSum(b);
            }
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
