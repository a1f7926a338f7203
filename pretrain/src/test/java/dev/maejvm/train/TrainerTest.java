package dev.maejvm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.train.optim.ParamGroups;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.ParamStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shared loop and session on a task that knows nothing of images: least squares on a
 * parameter vector, loss = mean((w - target)^2) over a batch of targets, and a frozen parameter.
 */
class TrainerTest {
    @TempDir
    Path dir;

    /** w [4] trains towards the batch's target; "frozen" [3] must stay as initialised. */
    static class LeastSquares implements Task<double[]> {
        final ParamStore store = new ParamStore(DataType.DOUBLE);
        final List<Long> iterations = new ArrayList<>();

        LeastSquares() {
            store.register("w", new long[] {4}, Init.ZEROS);
            store.register("frozen.weight", new long[] {3}, new Init.Normal(1));
            store.build(1);
        }

        @Override
        public ParamStore params() {
            return store;
        }

        @Override
        public StepResult step(double[] target, long iteration, Ctx ctx) {
            iterations.add(iteration);
            var w = store.get("w").value();
            var diff = w.sub(Nd4j.create(target));
            double loss = diff.mul(diff).meanNumber().doubleValue();
            store.get("w").grad().addi(diff.mul(2.0 / target.length));
            return new StepResult(loss, 1, Map.of("abs_w0", Math.abs(w.getDouble(0))));
        }
    }

    static BatchSource<double[]> batches(int perEpoch) {
        return new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return perEpoch;
            }

            @Override
            public Iterator<double[]> epoch(int epoch, int fromBatch) {
                return IntStream.range(fromBatch, perEpoch).mapToObj(i -> new double[] {1, 2, 3, 4}).iterator();
            }

            @Override
            public String describe() {
                return "constant targets";
            }
        };
    }

    static class Events implements TrainingListener {
        final List<Map<String, Double>> epochs = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        RunStatus status;
        String message;

        @Override
        public String runStarted(RunStart start) {
            return "run-1";
        }

        @Override
        public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
            losses.add(metrics.get("loss"));
            assertTrue(metrics.containsKey("abs_w0"), "the task's own metrics are reported");
        }

        @Override
        public void epochEnded(int epoch, long step, Map<String, Double> metrics) {
            epochs.add(metrics);
        }

        @Override
        public void runEnded(RunStatus status, String message) {
            this.status = status;
            this.message = message;
        }
    }

    private Trainer<double[]> trainer(LeastSquares task, Events events, List<Evaluator.Scheduled> evaluators, int epochs) {
        ParamGroups groups = ParamGroups.maePretrain().only(n -> n.equals("w"));
        groups.applyTrainable(task.store);
        AdamW opt = new AdamW(task.store, new AdamWConfig(0.9, 0.999, 1e-8, 0), groups);
        LoopConfig loop = new LoopConfig(epochs, 0, 2, 0.5, 0, 0, 0, 1, 3);
        return new Trainer<>(loop, task, opt, batches(4), events, state -> dir.resolve("ckpt"), evaluators,
                new EpochLog(dir.resolve("log.txt")));
    }

    @Test
    void theLossFallsEvaluatorsRunOnScheduleAndFrozenParametersStay() throws IOException {
        LeastSquares task = new LeastSquares();
        double[] frozenBefore = task.store.get("frozen.weight").value().toDoubleVector();
        Events events = new Events();
        List<Integer> every2 = new ArrayList<>();
        Evaluator distance = epoch -> {
            every2.add(epoch);
            return Map.of("val_distance", task.store.get("w").value().distance2(Nd4j.create(new double[] {1, 2, 3, 4})));
        };
        Trainer.Result r = trainer(task, events, List.of(new Evaluator.Scheduled(distance, 2, false)), 5).run(TrainState.fresh());
        assertEquals(5 * 2, r.state().step(), "4 batches an epoch, 2 per step");
        assertTrue(events.losses.get(events.losses.size() - 1) < events.losses.get(0) / 2, events.losses.toString());
        assertEquals(List.of(1, 3, 4), every2, "after every 2nd epoch and the last");
        assertTrue(events.epochs.get(1).containsKey("val_distance") && !events.epochs.get(0).containsKey("val_distance"));
        assertEquals(5, Files.readAllLines(dir.resolve("log.txt")).size());
        assertTrue(Files.readAllLines(dir.resolve("log.txt")).get(1).contains("val_distance"), "evaluations go to the epoch log");
        assertArrayEquals(frozenBefore, task.store.get("frozen.weight").value().toDoubleVector(), 0.0);
        assertEquals(IntStream.range(0, 20).mapToObj(i -> (long) i).toList(), task.iterations, "global iterations");
    }

    @Test
    void theSessionRecordsFinishedKilledAndFailed() throws IOException {
        Events done = new Events();
        RunSession s = new RunSession(done, null);
        Trainer<double[]> t = trainer(new LeastSquares(), done, List.of(), 1);
        TrainState begin = s.start(new RunStart("test", "t", Map.of(), Map.of(), dir, null, 0), TrainState.fresh());
        assertEquals("run-1", begin.runId());
        s.run(t, begin, 2, r -> { });
        assertEquals(RunStatus.FINISHED, done.status);
        assertNull(done.message);

        Events killed = new Events();
        LeastSquares task = new LeastSquares();
        Trainer<double[]>[] holder = new Trainer[1];
        Events stopper = new Events() {
            @Override
            public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
                holder[0].requestStop();
            }
        };
        holder[0] = trainer(task, stopper, List.of(), 3);
        new RunSession(stopper, null).run(holder[0], TrainState.fresh(), 6, r -> assertEquals(1, r.state().step()));
        assertEquals(RunStatus.KILLED, stopper.status);

        Events failed = new Events();
        LeastSquares nan = new LeastSquares() {
            @Override
            public StepResult step(double[] target, long iteration, Ctx ctx) {
                return new StepResult(Double.NaN, 1, Map.of());
            }
        };
        Trainer<double[]> tn = trainer(nan, failed, List.of(), 1);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> new RunSession(failed, null).run(tn, TrainState.fresh(), 2, r -> { }));
        assertEquals(RunStatus.FAILED, failed.status);
        assertTrue(failed.message.contains("Loss is NaN"), failed.message);
        assertTrue(e.getMessage().contains("iteration 0"), e.getMessage());
    }
}
