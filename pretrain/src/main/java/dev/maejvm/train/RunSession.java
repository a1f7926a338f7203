package dev.maejvm.train;

import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import dev.maejvm.train.events.TrainingListener;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A run's lifecycle around a {@link Trainer}: the start event (whose run id goes into the
 * checkpoints), a stop on Ctrl-C / SIGTERM (and on SIGUSR1, which mpirun forwards to every rank:
 * {@link StopSignal}) that lets the trainer finish its step and write a checkpoint, and the end event exactly once: FINISHED, KILLED (stopped before its last step) or
 * FAILED (an exception, a non-finite loss) with the message. What listens (the run journal,
 * MLflow, the progress bar) is the caller's: nothing here knows a tracking library.
 */
public final class RunSession {
    /** How long the shutdown hook waits for the checkpoint of a stopped run. */
    private static final long STOP_WAIT_S = 120;

    /** What the caller does with a finished or stopped run (export weights, print a report) before the end is recorded. */
    @FunctionalInterface
    public interface Finisher {
        void finish(Trainer.Result result) throws IOException;
    }

    private final TrainingListener listener;
    private final AutoCloseable onClose;

    /** @param onClose closes what listens (the journal) after the end event; may be null */
    public RunSession(TrainingListener listener, AutoCloseable onClose) {
        this.listener = listener;
        this.onClose = onClose;
    }

    public TrainingListener listener() {
        return listener;
    }

    /** Tells the listeners the run starts. @return the state to begin from, with the tracking run id in it */
    public TrainState start(RunStart start, TrainState state) {
        String runId = listener.runStarted(start);
        return runId != null ? state.withRunId(runId) : state;
    }

    /**
     * Runs the trainer to its end, or until a stop is requested by a signal.
     *
     * @param totalSteps the run's last step: a result short of it is KILLED
     * @throws NonFiniteLossException after recording FAILED (the last good checkpoint is kept)
     */
    public Trainer.Result run(Trainer<?> trainer, TrainState begin, long totalSteps, Finisher finisher) throws IOException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("\nstop requested: finishing the step and writing a checkpoint...");
            trainer.requestStop();
            try {
                finished.await(STOP_WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mae-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        sun.misc.SignalHandler previousUsr1 = StopSignal.install(trainer::requestStop);
        RunStatus status = RunStatus.FAILED;
        String message = null;
        try {
            Trainer.Result result = trainer.run(begin);
            boolean interrupted = result.stoppedEarly() && result.state().step() < totalSteps;
            finisher.finish(result);
            status = interrupted ? RunStatus.KILLED : RunStatus.FINISHED;
            return result;
        } catch (NonFiniteLossException e) {
            message = e.getMessage();
            throw e;
        } catch (RuntimeException | IOException e) {
            message = e.toString();
            throw e;
        } finally {
            try {
                try {
                    listener.runEnded(status, message);
                } finally {
                    if (onClose != null) {
                        closeQuietly();
                    }
                }
            } finally {                                     // even if recording the end fails, the hook must not wait
                finished.countDown();
                StopSignal.restore(previousUsr1);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for `finished`
                }
            }
        }
    }

    private void closeQuietly() {
        try {
            onClose.close();
        } catch (Exception e) {
            System.err.println("warning: closing the run's listeners failed: " + e);
        }
    }
}
