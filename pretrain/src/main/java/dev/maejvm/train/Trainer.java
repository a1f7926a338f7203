package dev.maejvm.train;

import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.Replicas;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.Gradients;
import dev.maejvm.train.optim.LrSchedule;
import dev.maejvm.train.optim.Optimizer;
import dev.maejvm.vit.engine.Ctx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop every task shares, as the official {@code engine_pretrain.train_one_epoch}
 * and {@code engine_finetune.train_one_epoch}: per iteration the lr from the schedule at the
 * fractional epoch, the task's step (forward and backward, loss / accumIter), and an optimiser
 * step every accumIter iterations (gradients averaged, optionally clipped); a non-finite loss
 * stops the run. Resumes mid-epoch from a {@link TrainState}. After each epoch: the epoch log,
 * the due {@link Evaluator}s, the listener's epoch event; checkpoints every
 * {@code checkpointEvery} epochs, at the end, at maxSteps and when a stop is requested.
 *
 * <p>Data-parallel over a {@link Collective} of more than one rank (docs/DISTRIBUTED.md): every
 * rank runs this loop on its part of each global batch; at the start rank 0's model and
 * optimiser state are broadcast ({@link Replicas}); at each optimiser step the ranks' gradients
 * are combined into the global batch's in one allreduce, so every rank takes the same step. The
 * loss and metrics reported are the global batch's (weighted by examples), a stop request on
 * any rank stops all at the same step, and only rank 0 evaluates, logs, reports to the listener
 * and writes checkpoints.
 *
 * @param <B> the task's batch type
 */
public final class Trainer<B> {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    /** Writes a checkpoint of the model, optimiser and this state; returns where. */
    @FunctionalInterface
    public interface Checkpointer {
        Path save(TrainState state) throws IOException;
    }

    /**
     * How a run ended.
     *
     * @param stoppedEarly stopped at maxSteps or on request, before the last epoch's end
     */
    public record Result(TrainState state, boolean stoppedEarly, double lastLoss) {}

    private final LoopConfig cfg;
    private final Task<B> task;
    private final Optimizer optimizer;
    private final BatchSource<B> data;
    private final TrainingListener listener;
    private final Checkpointer checkpointer;
    private final List<Evaluator.Scheduled> evaluators;
    private final EpochLog epochLog;
    private final LrSchedule schedule;
    private final Collective group;
    private volatile boolean stopRequested;

    public Trainer(LoopConfig cfg, Task<B> task, Optimizer optimizer, BatchSource<B> data, TrainingListener listener,
                   Checkpointer checkpointer, List<Evaluator.Scheduled> evaluators, EpochLog epochLog) {
        this(cfg, task, optimizer, data, listener, checkpointer, evaluators, epochLog, SingleProcess.INSTANCE);
    }

    /**
     * @param group the ranks training together; each one's {@code data} must deliver its part of
     *     the same global batches, the same number of them per epoch
     */
    public Trainer(LoopConfig cfg, Task<B> task, Optimizer optimizer, BatchSource<B> data, TrainingListener listener,
                   Checkpointer checkpointer, List<Evaluator.Scheduled> evaluators, EpochLog epochLog, Collective group) {
        this.cfg = cfg;
        this.group = group;
        this.task = task;
        this.optimizer = optimizer;
        this.data = data;
        this.listener = listener;
        this.checkpointer = checkpointer;
        this.evaluators = List.copyOf(evaluators);
        this.epochLog = epochLog;
        this.schedule = new LrSchedule(cfg.lr(), Math.min(cfg.minLr(), cfg.lr()), cfg.warmupEpochs(),
                cfg.scheduleEpochs(data.batchesPerEpoch()), cfg.stepMilestones());
    }

    public LrSchedule schedule() {
        return schedule;
    }

    /** Asks the loop to stop after the current iteration, write a checkpoint and return (any thread). */
    public void requestStop() {
        stopRequested = true;
    }

    public Result run(TrainState start) {
        int bpe = data.batchesPerEpoch();
        if (bpe < cfg.accumIter()) {
            throw new IllegalArgumentException("an epoch has " + bpe + " batches, fewer than accumIter " + cfg.accumIter());
        }
        boolean parallel = group.size() > 1;
        Replicas replicas = new Replicas(group);
        if (parallel) {
            replicas.requireSameAsRoot("where training starts", new String[] {"epoch", "batch in epoch", "step",
                "batches per epoch"}, new double[] {start.epoch(), start.batchInEpoch(), start.step(), bpe});
            replicas.broadcastFromRoot(task.params(), optimizer);
            log.info("data-parallel over {} ranks ({}): rank 0's model broadcast", group.size(), group.describe());
        }
        // each rank's layers (drop path) draw their own stream: rank r's samples are not rank 0's
        long ctxSeed = cfg.seed() + group.rank() * 0x9E3779B97F4A7C15L;
        TrainState state = start;
        double lastLoss = Double.NaN;
        while (state.epoch() < cfg.epochs()) {
            int epoch = state.epoch();
            long epochStart = System.nanoTime();
            double epochLossSum = 0;
            int epochLossCount = 0;
            double epochWeightedLoss = 0;                   // sum of loss x examples, for the global mean
            long epochExamples = 0;
            double stepWeightedLoss = 0;
            Map<String, Double> stepWeightedMetrics = new TreeMap<>();   // the same order on every rank
            double lr = schedule.at(epoch + (double) state.batchInEpoch() / bpe);
            double stepLoss = 0;
            Map<String, Double> stepMetrics = new LinkedHashMap<>();
            long stepStart = System.nanoTime();
            int stepExamples = 0;
            Iterator<B> batches = data.epoch(epoch, state.batchInEpoch());
            int i = state.batchInEpoch();
            for (; i < bpe && batches.hasNext(); i++) {
                B batch = batches.next();
                long iteration = (long) epoch * bpe + i;
                if (i % cfg.accumIter() == 0) {
                    lr = schedule.at(epoch + (double) i / bpe);
                    task.params().zeroGrads();
                    stepLoss = 0;
                    stepMetrics.clear();
                    stepWeightedLoss = 0;
                    stepWeightedMetrics.clear();
                }
                Task.StepResult r = task.step(batch, iteration, Ctx.train(ctxSeed, iteration));
                if (!Double.isFinite(r.loss())) {
                    throw new NonFiniteLossException("Loss is " + r.loss() + " at epoch " + epoch + ", iteration " + i
                            + " (step " + (state.step() + 1) + "); stopping training. The last good checkpoint is kept.");
                }
                stepLoss += r.loss() / cfg.accumIter();
                r.metrics().forEach((k, v) -> stepMetrics.merge(k, v / cfg.accumIter(), Double::sum));
                stepExamples += r.examples();
                epochLossSum += r.loss();
                epochLossCount++;
                stepWeightedLoss += r.loss() * r.examples();
                r.metrics().forEach((k, v) -> stepWeightedMetrics.merge(k, v * r.examples(), Double::sum));
                epochWeightedLoss += r.loss() * r.examples();
                epochExamples += r.examples();
                if ((i + 1) % cfg.accumIter() == 0) {
                    boolean anyRankStops = false;
                    int reportedExamples = stepExamples;
                    if (parallel) {
                        GlobalStep global = GlobalStep.reduce(group, stepExamples, stepWeightedLoss, stepWeightedMetrics,
                                stopRequested);
                        replicas.reduceGradients(task.params(), stepExamples / (cfg.accumIter() * global.examples()));
                        replicas.averageBuffers(task.params(), stepExamples / global.examples());
                        stepLoss = global.loss();
                        stepMetrics.clear();
                        stepMetrics.putAll(global.metrics());
                        reportedExamples = (int) global.examples();
                        anyRankStops = global.stop();
                    } else if (cfg.accumIter() > 1) {
                        task.params().grads().muli(1.0 / cfg.accumIter());
                    }
                    double gradNorm = cfg.clipGrad() > 0 ? Gradients.clip(task.params(), cfg.clipGrad())
                            : Gradients.norm(task.params());
                    optimizer.update(lr);
                    long now = System.nanoTime();
                    state = new TrainState(epoch, i + 1, state.step() + 1, state.runId());
                    lastLoss = stepLoss;
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    metrics.put("loss", stepLoss);
                    metrics.put("lr", lr);
                    metrics.put("images_per_s", reportedExamples / ((now - stepStart) / 1e9));
                    metrics.put("grad_norm", gradNorm);
                    metrics.putAll(stepMetrics);
                    if (group.isRoot()) {
                        listener.stepEnded(state.step(), epoch, metrics);
                    }
                    stepStart = now;
                    stepExamples = 0;
                    boolean atMax = cfg.maxSteps() > 0 && state.step() >= cfg.maxSteps();
                    // one process: a stop requested up to here (the listener may ask); ranks: what all agreed on
                    boolean stop = parallel ? anyRankStops : stopRequested;
                    if (atMax || stop) {
                        if (i + 1 == bpe) {
                            state = new TrainState(epoch + 1, 0, state.step(), state.runId());
                            double meanLoss = parallel ? GlobalStep.meanLoss(group, epochWeightedLoss, epochExamples)
                                    : epochLossSum / epochLossCount;
                            endEpoch(epoch, state, meanLoss, lr, epochStart, true, true);
                        } else {
                            evaluateWhenStopped(epoch, state.step());   // e.g. pictures, validation of where the run stopped
                            save(state);
                        }
                        log.info(atMax ? "reached maxSteps {} at epoch {}" : "stop requested at step {} (epoch {})",
                                state.step(), epoch);
                        return new Result(state, true, lastLoss);
                    }
                }
            }
            state = new TrainState(epoch + 1, 0, state.step(), state.runId());
            boolean last = state.epoch() == cfg.epochs();
            double meanLoss = parallel ? GlobalStep.meanLoss(group, epochWeightedLoss, epochExamples)
                    : epochLossSum / Math.max(1, epochLossCount);
            endEpoch(epoch, state, meanLoss, lr, epochStart,
                    last || (epoch + 1) % cfg.checkpointEvery() == 0, false);
        }
        return new Result(state, false, lastLoss);
    }

    /** After an epoch, on rank 0 only: evaluators, the epoch log, the listener, the checkpoint. */
    private void endEpoch(int epoch, TrainState state, double meanLoss, double lr, long epochStart, boolean checkpoint,
                          boolean stopping) {
        if (!group.isRoot()) {
            return;
        }
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        Map<String, Double> evaluated = new LinkedHashMap<>();
        for (Evaluator.Scheduled e : evaluators) {
            if (e.after(epoch, cfg.epochs()) || (stopping && e.whenStopped())) {
                evaluated.putAll(e.evaluator().evaluate(epoch));
            }
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("train_lr", lr);
        record.put("train_loss", meanLoss);
        evaluated.forEach(record::put);
        record.put("epoch", epoch);
        record.put("step", state.step());
        record.put("epoch_time_s", seconds);
        epochLog.append(record);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", meanLoss);
        metrics.put("epoch_time_s", seconds);
        metrics.putAll(evaluated);
        listener.epochEnded(epoch, state.step(), metrics);
        log.info("epoch {} done: mean loss {} in {} s", epoch, String.format("%.4f", meanLoss), String.format("%.1f", seconds));
        listener.artifactWritten(epochLog.file(), "");
        if (checkpoint) {
            save(state);
        }
    }

    /** The evaluators that run where a run stops mid-epoch; their metrics are reported at that step. */
    private void evaluateWhenStopped(int epoch, long step) {
        if (!group.isRoot()) {
            return;
        }
        Map<String, Double> evaluated = new LinkedHashMap<>();
        for (Evaluator.Scheduled e : evaluators) {
            if (e.whenStopped()) {
                evaluated.putAll(e.evaluator().evaluate(epoch));
            }
        }
        if (!evaluated.isEmpty()) {
            listener.stepEnded(step, epoch, evaluated);
        }
    }

    /** Rank 0 writes the checkpoint; the others' replicas are the same. */
    private void save(TrainState state) {
        if (!group.isRoot()) {
            return;
        }
        try {
            Path p = checkpointer.save(state);
            log.info("checkpoint written: {}", p);
            listener.artifactWritten(p, "checkpoints");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint", e);
        }
    }
}
