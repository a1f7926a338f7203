package dev.maejvm.pretrain.bench;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.pretrain.train.MaeTask;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.Replicas;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times the data-parallel pretraining step as the training loop runs it on every rank: this
 * rank's part of a global batch (masking, forward, backward), the gradient allreduce, the AdamW
 * update. Every rank must call {@link #run} with the same arguments.
 */
public final class DataParallelStepBenchmark {

    /**
     * @param globalBatch images per step over all ranks
     * @param medianStepS rank 0's median step, seconds
     * @param medianAllreduceS rank 0's median gradient allreduce within it (waiting for slower ranks included)
     * @param imagesPerS global images per second at the median step
     */
    public record Result(String preset, int globalBatch, int ranks, int steps, double medianStepS, double medianAllreduceS,
                         double imagesPerS) {}

    private DataParallelStepBenchmark() {}

    public static Result run(Collective group, String preset, int globalBatch, double maskRatio, int warmup, int steps) {
        MaeConfig cfg = MaeConfig.preset(preset);
        MaskedAutoencoder mae = MaskedAutoencoder.create(cfg, DataType.FLOAT, 0);
        AdamW opt = new AdamW(mae.params(), AdamWConfig.MAE_PRETRAIN);
        BatchSplit split = new BatchSplit(group.rank(), group.size());
        MaeTask task = new MaeTask(mae, maskRatio, 0, split.from(globalBatch));
        Replicas replicas = new Replicas(group);
        int size = cfg.encoder().imgSize();
        INDArray imgs = Nd4j.rand(DataType.FLOAT, split.size(globalBatch), cfg.encoder().inChans(), size, size);
        double[] step = new double[steps];
        double[] reduce = new double[steps];
        for (int i = -warmup; i < steps; i++) {
            group.barrier();
            long t0 = System.nanoTime();
            mae.params().zeroGrads();
            task.step(imgs, i + warmup, Ctx.train(0, i + warmup));
            long t1 = System.nanoTime();
            if (group.size() > 1) {
                replicas.reduceGradients(mae.params(), (double) split.size(globalBatch) / globalBatch);
            }
            long t2 = System.nanoTime();
            opt.update(1e-4);
            long t3 = System.nanoTime();
            if (i >= 0) {
                step[i] = (t3 - t0) / 1e9;
                reduce[i] = (t2 - t1) / 1e9;
            }
        }
        double median = median(step);
        return new Result(preset, globalBatch, group.size(), steps, median, median(reduce), globalBatch / median);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
