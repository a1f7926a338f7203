package dev.maejvm.pretrain.train;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.World;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One rank of a small data-parallel pretraining run (micro preset, synthetic gratings), started
 * by {@link DataParallelPretrainTest} under mpirun, or in the test's own JVM as the single-process
 * reference. It resumes the checkpoint in its output folder if there is one, and at the end writes
 * its parameters ({@code rank-R.bin}, float32 little endian) and, on rank 0, the loss of every step
 * ({@code losses.txt}).
 *
 * <p>Arguments: out globalBatch batchesPerEpoch epochs [killRank killAtIteration].
 */
public final class DataParallelWorker {
    static final int IMAGE = 16;
    static final long SEED = 5;

    private DataParallelWorker() {}

    public static void main(String[] args) {
        Collective group = World.get();
        try {
            train(group, Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 ? Integer.parseInt(args[4]) : -1, args.length > 5 ? Long.parseLong(args[5]) : -1, -1);
        } catch (Throwable t) {
            t.printStackTrace();
            group.abort(1, "failed: " + t);
        }
        World.finish(0);
        System.exit(0);
    }

    static PretrainConfig config(int globalBatch, int epochs) {
        return new PretrainConfig("micro", MaeConfig.preset("micro"), 0.75, epochs, 0, globalBatch, 1, 1.5e-4, 2e-3, 0,
                0.5, 0.05, 0, SEED, 1);
    }

    /**
     * Trains (or resumes) on this rank's part of every global batch; returns the global loss of each step.
     *
     * @param killRank the rank that kills itself before the batch of iteration {@code killAt} (-1: none)
     * @param stopAt a stop is requested at this step, as Ctrl-C would (-1: none; one process only, where
     *     the request is seen at once; under MPI the listener runs on rank 0 and the ranks agree a step later)
     */
    static List<Double> train(Collective group, Path out, int globalBatch, int batchesPerEpoch, int epochs,
                              int killRank, long killAt, long stopAt) throws IOException {
        Files.createDirectories(out);
        PretrainConfig cfg = config(globalBatch, epochs);
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, cfg.seed());
        AdamW opt = new AdamW(model.params(), new AdamWConfig(0.9, 0.95, 1e-8, cfg.weightDecay()));
        Path ckpt = out.resolve(PretrainCheckpoint.FILE_NAME);
        TrainState start = TrainState.fresh();
        Optional<Path> found = PretrainCheckpoint.find(out);
        if (found.isPresent()) {
            start = PretrainCheckpoint.restore(found.get(), model, opt).state();
        }
        SyntheticBatches whole = new SyntheticBatches(batchesPerEpoch, globalBatch, IMAGE, SEED);
        SplitBatches mine = new SplitBatches(whole, globalBatch, new BatchSplit(group.rank(), group.size()), iteration -> {
            if (group.rank() == killRank && iteration == killAt) {
                killSelf();
            }
        });
        List<Double> losses = new ArrayList<>();
        Pretrainer[] self = new Pretrainer[1];
        TrainingListener listener = new TrainingListener() {
            @Override
            public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
                if (metrics.containsKey("loss")) {
                    losses.add(metrics.get("loss"));
                }
                if (step == stopAt) {
                    self[0].requestStop();
                }
            }
        };
        Pretrainer trainer = new Pretrainer(cfg, model, opt, mine, listener,
                state -> PretrainCheckpoint.save(ckpt, model, opt, cfg, state,
                        new Checkpoint.DataInfo(whole.describe(), new float[] {0}, new float[] {1})),
                (epoch, m) -> { }, new EpochLog(out.resolve("log.txt")), List.of(), group);
        self[0] = trainer;
        trainer.run(start);
        float[] values = model.params().values().toFloatVector();
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(out.resolve("rank-" + group.rank() + ".bin"), bytes.array());
        if (group.isRoot()) {
            StringBuilder text = new StringBuilder();
            losses.forEach(l -> text.append(l).append('\n'));
            Files.writeString(out.resolve("losses.txt"), text);
        }
        return losses;
    }

    /** SIGKILL, as a crashed node or the OOM killer would end it: no Java exit code, no MPI_Abort. */
    private static void killSelf() {
        try {
            new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).inheritIO().start().waitFor();
            Thread.sleep(60_000);
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(137);
        }
    }
}
