package dev.maejvm.pretrain.bench;

import dev.maejvm.train.dist.Collective;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times the data-parallel step's gradient allreduce: one in-place sum over the ranks of a flat
 * float32 buffer as long as a preset's trainable parameters (the MAE, encoder and decoder), as
 * {@code Replicas.reduceGradients} does it. Every rank must call {@link #run} with the same
 * arguments.
 */
public final class AllreduceBenchmark {

    /**
     * @param parameters floats in the buffer
     * @param medianS the median time of one allreduce, seconds (rank 0's clock, after a barrier)
     * @param algorithmGBps bytes / time, GB/s
     * @param busGBps the bandwidth a ring allreduce then moves per link: algorithm x 2 (N - 1) / N
     */
    public record Result(String preset, long parameters, int ranks, int rounds, double medianS, double bestS,
                         double algorithmGBps, double busGBps) {}

    private AllreduceBenchmark() {}

    /** Trainable scalars of a preset's MAE, counted from its registered parameters (nothing allocated). */
    public static long parameters(String preset) {
        return new MaskedAutoencoder(MaeConfig.preset(preset), new ParamStore(DataType.FLOAT)).params().size();
    }

    public static Result run(Collective group, String preset, int warmup, int rounds) {
        long n = parameters(preset);
        INDArray buffer = Nd4j.ones(DataType.FLOAT, n);
        double[] times = new double[rounds];
        for (int i = -warmup; i < rounds; i++) {
            group.barrier();
            long t0 = System.nanoTime();
            group.allreduceSum(buffer);
            long t1 = System.nanoTime();
            if (i >= 0) {
                times[i] = (t1 - t0) / 1e9;
            }
        }
        float expected = (float) Math.pow(group.size(), warmup + rounds);      // ones, summed that many times
        if (Math.abs(buffer.getFloat(n - 1) - expected) > 1e-3 * expected) {
            throw new IllegalStateException("allreduce gave " + buffer.getFloat(n - 1) + ", expected " + expected);
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[rounds / 2];
        double gbps = n * 4.0 / median / 1e9;
        int ranks = group.size();
        return new Result(preset, n, ranks, rounds, median, sorted[0], gbps, gbps * 2.0 * (ranks - 1) / Math.max(1, ranks));
    }
}
