package dev.maejvm.pretrain.train;

import dev.maejvm.train.TrainState;
import dev.maejvm.train.NonFiniteLossException;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.BatchSource;

import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.LrSchedule;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MAE pretraining loop, as the official {@code engine_pretrain.train_one_epoch}: per
 * iteration, the lr from the schedule at the fractional epoch, random masking, forward, backward
 * (loss / accumIter), and an AdamW step every accumIter iterations; a non-finite loss stops the
 * run. Checkpoints every {@code checkpointEvery} epochs, at the end, at maxSteps, and when a stop
 * is requested (Ctrl-C / SIGTERM).
 */
public final class Pretrainer {
    private static final Logger log = LoggerFactory.getLogger(Pretrainer.class);

    /** Writes a checkpoint of the model, optimiser and this state; returns where. */
    @FunctionalInterface
    public interface Checkpointer {
        java.nio.file.Path save(TrainState state) throws IOException;
    }

    /** Called after every epoch, and where a run stops early (reconstruction pictures). */
    @FunctionalInterface
    public interface EpochHook {
        void epochEnded(int epoch, MaskedAutoencoder model);
    }

    /** How a run ended. */
    public record Result(TrainState state, boolean stoppedEarly, double lastLoss) {}

    private final PretrainConfig cfg;
    private final MaskedAutoencoder model;
    private final AdamW optimizer;
    private final BatchSource data;
    private final TrainingListener listener;
    private final Checkpointer checkpointer;
    private final EpochHook epochHook;
    private final EpochLog epochLog;
    private final LrSchedule schedule;
    private volatile boolean stopRequested;

    public Pretrainer(PretrainConfig cfg, MaskedAutoencoder model, AdamW optimizer, BatchSource data,
                      TrainingListener listener, Checkpointer checkpointer, EpochHook epochHook, EpochLog epochLog) {
        this.cfg = cfg;
        this.model = model;
        this.optimizer = optimizer;
        this.data = data;
        this.listener = listener;
        this.checkpointer = checkpointer;
        this.epochHook = epochHook;
        this.epochLog = epochLog;
        this.schedule = new LrSchedule(cfg.actualLr(), Math.min(cfg.minLr(), cfg.actualLr()), cfg.warmupEpochs(),
                scheduleEpochs(cfg, data.batchesPerEpoch()));
    }

    /** The schedule spans the run: all epochs, or maxSteps when that comes first. */
    static double scheduleEpochs(PretrainConfig cfg, int batchesPerEpoch) {
        if (cfg.maxSteps() > 0) {
            return Math.min(cfg.epochs(), (double) cfg.maxSteps() * cfg.accumIter() / batchesPerEpoch);
        }
        return cfg.epochs();
    }

    public LrSchedule schedule() {
        return schedule;
    }

    /** Asks the loop to stop after the current iteration, write a checkpoint and return. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Masking noise for an iteration: a function of (seed, iteration) only, so resume replays it. */
    static SplittableRandom maskingRandom(long seed, long iteration) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration);
    }

    public Result run(TrainState start) {
        int bpe = data.batchesPerEpoch();
        if (bpe < cfg.accumIter()) {
            throw new IllegalArgumentException("an epoch has " + bpe + " batches, fewer than accumIter " + cfg.accumIter());
        }
        TrainState state = start;
        double lastLoss = Double.NaN;
        int numPatches = model.config().encoder().numPatches();
        while (state.epoch() < cfg.epochs()) {
            int epoch = state.epoch();
            long epochStart = System.nanoTime();
            double epochLossSum = 0;
            int epochLossCount = 0;
            double lr = schedule.at(epoch + (double) state.batchInEpoch() / bpe);
            double stepLoss = 0;
            long stepStart = System.nanoTime();
            int stepImages = 0;
            Iterator<INDArray> batches = data.epoch(epoch, state.batchInEpoch());
            int i = state.batchInEpoch();
            for (; i < bpe && batches.hasNext(); i++) {
                INDArray imgs = batches.next();
                long iteration = (long) epoch * bpe + i;
                if (i % cfg.accumIter() == 0) {
                    lr = schedule.at(epoch + (double) i / bpe);
                    model.params().zeroGrads();
                    stepLoss = 0;
                }
                int n = (int) imgs.size(0);
                Masking masking = Masking.random(n, numPatches, cfg.maskRatio(), maskingRandom(cfg.seed(), iteration));
                double loss = model.forward(imgs, masking, true);          // predictions the loss reads only
                if (!Double.isFinite(loss)) {
                    throw new NonFiniteLossException("Loss is " + loss + " at epoch " + epoch + ", iteration " + i
                            + " (step " + (state.step() + 1) + "); stopping training. The last good checkpoint is kept.");
                }
                model.backward();
                stepLoss += loss / cfg.accumIter();
                stepImages += n;
                epochLossSum += loss;
                epochLossCount++;
                if ((i + 1) % cfg.accumIter() == 0) {
                    if (cfg.accumIter() > 1) {
                        model.params().grads().muli(1.0 / cfg.accumIter());
                    }
                    double gradNorm = cfg.clipGrad() > 0 ? AdamW.clipGradNorm(model.params(), cfg.clipGrad())
                            : AdamW.gradNorm(model.params());
                    optimizer.update(lr);
                    long now = System.nanoTime();
                    state = new TrainState(epoch, i + 1, state.step() + 1, state.runId());
                    lastLoss = stepLoss;
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    metrics.put("loss", stepLoss);
                    metrics.put("lr", lr);
                    metrics.put("images_per_s", stepImages / ((now - stepStart) / 1e9));
                    metrics.put("grad_norm", gradNorm);
                    listener.stepEnded(state.step(), epoch, metrics);
                    stepStart = now;
                    stepImages = 0;
                    boolean atMax = cfg.maxSteps() > 0 && state.step() >= cfg.maxSteps();
                    if (atMax || stopRequested) {
                        if (i + 1 == bpe) {
                            state = new TrainState(epoch + 1, 0, state.step(), state.runId());
                            endEpoch(epoch, state, epochLossSum / epochLossCount, lr, epochStart, true);
                        } else {
                            epochHook.epochEnded(epoch, model);     // pictures of where the run stopped
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
            endEpoch(epoch, state, epochLossSum / Math.max(1, epochLossCount), lr, epochStart,
                    last || (epoch + 1) % cfg.checkpointEvery() == 0);
        }
        return new Result(state, false, lastLoss);
    }

    private void endEpoch(int epoch, TrainState state, double meanLoss, double lr, long epochStart, boolean checkpoint) {
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("train_lr", lr);
        record.put("train_loss", meanLoss);
        record.put("epoch", epoch);
        record.put("step", state.step());
        record.put("epoch_time_s", seconds);
        epochLog.append(record);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", meanLoss);
        metrics.put("epoch_time_s", seconds);
        listener.epochEnded(epoch, state.step(), metrics);
        log.info("epoch {} done: mean loss {} in {} s", epoch, String.format("%.4f", meanLoss), String.format("%.1f", seconds));
        epochHook.epochEnded(epoch, model);
        listener.artifactWritten(epochLog.file(), "");
        if (checkpoint) {
            save(state);
        }
    }

    private void save(TrainState state) {
        try {
            java.nio.file.Path p = checkpointer.save(state);
            log.info("checkpoint written: {}", p);
            listener.artifactWritten(p, "checkpoints");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint", e);
        }
    }
}
