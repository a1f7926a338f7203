package dev.maejvm.pretrain.train;

import dev.maejvm.train.Trainer;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.NonFiniteLossException;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.BatchSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** End-to-end pretraining on synthetic images with the micro preset. */
class PretrainerTest {
    /** Same code, same data, same thread counts: a resumed run repeats the floats up to reduction order. */
    private static final double RESUME_RTOL = 1e-5;

    @TempDir
    Path dir;

    static PretrainConfig config(int epochs, long maxSteps) {
        return new PretrainConfig("micro", dev.maejvm.vit.model.MaeConfig.preset("micro"), 0.75, epochs, maxSteps, 16, 1, 1.5e-4, 2e-3, 0, 0.5, 0.05, 0, 7, 1);
    }

    /** Records every step's loss. */
    static final class Losses implements TrainingListener {
        final List<Double> byStep = new ArrayList<>();
        final List<Long> steps = new ArrayList<>();
        long stopAt = -1;
        Pretrainer trainer;

        @Override
        public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
            steps.add(step);
            byStep.add(metrics.get("loss"));
            if (step == stopAt) {
                trainer.requestStop();
            }
        }
    }

    /** A model, optimiser and trainer writing into {@code out}. */
    record Rig(MaskedAutoencoder model, AdamW optimizer, Pretrainer trainer, Losses losses) {}

    Rig rig(PretrainConfig cfg, BatchSource<INDArray> data, Path out) {
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, cfg.seed());
        AdamW opt = new AdamW(model.params(), new AdamWConfig(0.9, 0.95, 1e-8, cfg.weightDecay()));
        Losses losses = new Losses();
        Pretrainer t = new Pretrainer(cfg, model, opt, data, losses,
                state -> PretrainCheckpoint.save(out.resolve(PretrainCheckpoint.FILE_NAME), model, opt, cfg, state,
                        new Checkpoint.DataInfo(data.describe(), new float[] {0}, new float[] {1})),
                (epoch, m) -> { }, new EpochLog(out.resolve("log.txt")));
        return new Rig(model, opt, t, losses);
    }

    /** One epoch (4 steps) of micro on {@code data}, its checkpoint written into {@code dir}. */
    Rig trainedOneEpoch(SyntheticBatches data) {
        Rig r = rig(config(1, 0), data, dir);
        r.trainer().run(TrainState.fresh());
        return r;
    }

    @Test
    void lossFallsAndEveryEpochIsLogged() throws IOException {
        PretrainConfig cfg = config(4, 0);
        Rig r = rig(cfg, new SyntheticBatches(8, 16, 16, 1), dir);
        Trainer.Result res = r.trainer().run(TrainState.fresh());
        assertEquals(32, res.state().step());
        double first = r.losses().byStep.subList(0, 4).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = r.losses().byStep.subList(28, 32).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < 0.7 * first, "loss should fall by 30 %: first steps " + first + ", last steps " + last);
        assertEquals(4, Files.readAllLines(dir.resolve("log.txt")).size());
        assertTrue(Files.exists(dir.resolve(PretrainCheckpoint.FILE_NAME)));
    }

    /** An evaluator given to the Pretrainer runs on its schedule; its metrics reach log.txt and the epoch event. */
    @Test
    void extraEvaluatorsReportIntoTheEpochLog() throws IOException {
        PretrainConfig cfg = config(3, 0);
        SyntheticBatches data = new SyntheticBatches(2, 16, 16, 1);
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, cfg.seed());
        AdamW opt = new AdamW(model.params(), new AdamWConfig(0.9, 0.95, 1e-8, cfg.weightDecay()));
        List<Integer> evaluated = new ArrayList<>();
        Map<Integer, Map<String, Double>> events = new LinkedHashMap<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void epochEnded(int epoch, long step, Map<String, Double> metrics) {
                events.put(epoch, metrics);
            }
        };
        dev.maejvm.train.Evaluator probe = epoch -> {
            evaluated.add(epoch);
            return Map.of("probe_metric", 0.25 * epoch);
        };
        Pretrainer t = new Pretrainer(cfg, model, opt, data, listener, state -> dir.resolve("none"), (epoch, m) -> { },
                new EpochLog(dir.resolve("log.txt")), List.of(new dev.maejvm.train.Evaluator.Scheduled(probe, 2, false)));
        t.run(TrainState.fresh());
        assertEquals(List.of(1, 2), evaluated, "after every 2nd epoch and after the last");
        List<String> lines = Files.readAllLines(dir.resolve("log.txt"));
        assertEquals(3, lines.size());
        assertTrue(!lines.get(0).contains("probe_metric") && lines.get(1).contains("\"probe_metric\":0.25")
                && lines.get(2).contains("\"probe_metric\":0.5"), lines.toString());
        assertEquals(0.5, events.get(2).get("probe_metric"));
    }

    @Test
    void reloadedCheckpointGivesIdenticalOutputs() throws IOException {
        SyntheticBatches data = new SyntheticBatches(4, 16, 16, 2);
        Rig r = trainedOneEpoch(data);
        INDArray imgs = data.batch(5, 0);
        Masking masking = Masking.random(16, 16, 0.75, new SplittableRandom(3));
        double loss = r.model().forward(imgs, masking);
        INDArray pred = r.model().prediction();

        Rig fresh = rig(config(1, 0), data, dir.resolve("other"));
        Checkpoint.Info info = PretrainCheckpoint.restore(dir.resolve(PretrainCheckpoint.FILE_NAME),
                fresh.model(), fresh.optimizer());
        assertEquals(4, info.state().step());
        assertArrayEquals(new float[] {1}, info.std(), 0f, "normalisation travels with the checkpoint");
        assertEquals(1, info.state().epoch());
        assertEquals(loss, fresh.model().forward(imgs, masking), 0.0, "loss after reload");
        assertEquals(pred, fresh.model().prediction(), "prediction after reload");
        assertEquals(r.optimizer().step(), fresh.optimizer().step());
        assertEquals(r.optimizer().firstMoment(), fresh.optimizer().firstMoment());
        assertEquals(r.optimizer().secondMoment(), fresh.optimizer().secondMoment());
        // the moments are stored per parameter, in its shape, as torch's optimizer state
        Map<String, INDArray> saved = SafeTensors.read(dir.resolve(PretrainCheckpoint.FILE_NAME), null).tensors();
        assertArrayEquals(new long[] {96, 32}, saved.get("optimizer.exp_avg_sq.blocks.0.attn.qkv.weight").shape());
        assertEquals(r.optimizer().state().get("exp_avg.cls_token"), saved.get("optimizer.exp_avg.cls_token"));
    }

    /** Checkpoints of format /1 kept the moments as two flat tensors; they still resume. */
    @Test
    void formatOneCheckpointWithFlatMomentsStillRestores() throws IOException {
        SyntheticBatches data = new SyntheticBatches(4, 16, 16, 2);
        Rig r = trainedOneEpoch(data);
        Path v2 = dir.resolve(PretrainCheckpoint.FILE_NAME);
        SafeTensors.Contents c = SafeTensors.read(v2, null);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith("model.")) {
                tensors.put(k, v);
            }
        });
        tensors.put("optimizer.exp_avg", r.optimizer().firstMoment());
        tensors.put("optimizer.exp_avg_sq", r.optimizer().secondMoment());
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put("format", "mae-jvm-pretrain-checkpoint/1");
        Path v1 = dir.resolve("v1.safetensors");
        SafeTensors.write(v1, tensors, meta);

        Rig fresh = rig(config(1, 0), data, dir.resolve("other"));
        PretrainCheckpoint.restore(v1, fresh.model(), fresh.optimizer());
        assertEquals(r.optimizer().firstMoment(), fresh.optimizer().firstMoment());
        assertEquals(r.optimizer().secondMoment(), fresh.optimizer().secondMoment());
        assertEquals(r.optimizer().step(), fresh.optimizer().step());

        tensors.remove("optimizer.exp_avg_sq");
        SafeTensors.write(v1, tensors, meta);
        var e = assertThrows(IllegalArgumentException.class,
                () -> PretrainCheckpoint.restore(v1, fresh.model(), fresh.optimizer()));
        assertTrue(e.getMessage().contains("v1.safetensors: optimizer state has no exp_avg"), e.getMessage());
    }

    @Test
    void stoppedAndResumedRunMatchesUninterruptedStepForStep() throws IOException {
        SyntheticBatches data = new SyntheticBatches(6, 16, 16, 3);
        Rig whole = rig(config(3, 0), data, dir.resolve("whole"));
        whole.trainer().run(TrainState.fresh());

        // stop mid-epoch at step 8 of 18 as Ctrl-C does (the schedule is unchanged, unlike with
        // maxSteps, which shortens it), then continue in a fresh model from the checkpoint
        Path out = dir.resolve("split");
        Rig first = rig(config(3, 0), data, out);
        first.losses().stopAt = 8;
        first.losses().trainer = first.trainer();
        Trainer.Result stopped = first.trainer().run(TrainState.fresh());
        assertTrue(stopped.stoppedEarly());
        assertEquals(new TrainState(1, 2, 8, null), stopped.state());

        Rig second = rig(config(3, 0), data, out);
        Checkpoint.Info info = PretrainCheckpoint.restore(out.resolve(PretrainCheckpoint.FILE_NAME),
                second.model(), second.optimizer());
        second.trainer().run(info.state());

        List<Double> resumed = new ArrayList<>(first.losses().byStep);
        resumed.addAll(second.losses().byStep);
        assertEquals(whole.losses().byStep.size(), resumed.size());
        assertEquals(List.of(9L, 10L), second.losses().steps.subList(0, 2), "steps continue, not restart");
        for (int i = 0; i < resumed.size(); i++) {
            double a = whole.losses().byStep.get(i);
            double b = resumed.get(i);
            assertEquals(a, b, RESUME_RTOL * Math.abs(a), "loss at step " + (i + 1));
        }
    }

    @Test
    void nonFiniteLossStopsWithAMessageAndKeepsTheLastCheckpoint() throws IOException {
        // NaN arrives in epoch 2 (iteration 9 of 4 per epoch); the epoch-1 checkpoint must survive intact
        Rig r = rig(config(3, 0), new SyntheticBatches(4, 16, 16, 4, 9), dir);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> r.trainer().run(TrainState.fresh()));
        assertTrue(e.getMessage().contains("Loss is NaN") && e.getMessage().contains("epoch 2"), e.getMessage());
        Rig fresh = rig(config(3, 0), new SyntheticBatches(4, 16, 16, 4), dir.resolve("x"));
        Checkpoint.Info info = PretrainCheckpoint.restore(dir.resolve(PretrainCheckpoint.FILE_NAME),
                fresh.model(), fresh.optimizer());
        assertEquals(8, info.state().step(), "the checkpoint of the last good epoch");
    }
}
