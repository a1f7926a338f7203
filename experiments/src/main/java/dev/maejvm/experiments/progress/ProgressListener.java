package dev.maejvm.experiments.progress;

import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.RunStatus;
import dev.maejvm.train.events.TrainingListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: epoch, step, loss, lr, images/s and ETA. On a terminal a bar refreshed
 * in place (me.tongfei progressbar); otherwise a plain line every {@code printEvery} steps and
 * one per epoch, like the official MetricLogger.
 */
public final class ProgressListener implements TrainingListener {
    private final PrintStream out;
    private final boolean terminal;
    private final long totalSteps;
    private final int printEvery;
    private ProgressBar bar;
    private long startStep;
    private long startNanos;
    private double smoothedLoss = Double.NaN;

    /**
     * @param totalSteps the step the run ends at (for the ETA)
     * @param terminal whether output is an interactive terminal
     */
    public ProgressListener(PrintStream out, boolean terminal, long totalSteps, int printEvery) {
        this.out = out;
        this.terminal = terminal;
        this.totalSteps = totalSteps;
        this.printEvery = printEvery;
    }

    /** For the console: a bar when stderr is a terminal, lines otherwise. */
    public static ProgressListener forConsole(long totalSteps) {
        return new ProgressListener(System.err, System.console() != null, totalSteps, 20);
    }

    @Override
    public String runStarted(RunStart start) {
        startStep = start.startStep();
        startNanos = System.nanoTime();
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(start.kind()).setInitialMax(totalSteps)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).startsFrom(startStep, Duration.ZERO).build();
        }
        return null;
    }

    @Override
    public void stepEnded(long step, int epoch, Map<String, Double> m) {
        if (!m.containsKey("loss")) {
            return;                                // an evaluator's metrics where a run stopped
        }
        double loss = m.getOrDefault("loss", Double.NaN);
        smoothedLoss = Double.isNaN(smoothedLoss) ? loss : 0.9 * smoothedLoss + 0.1 * loss;
        String extra = String.format("epoch %d loss %.4f lr %.2e %.1f img/s", epoch, smoothedLoss,
                m.getOrDefault("lr", Double.NaN), m.getOrDefault("images_per_s", Double.NaN));
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(" " + extra);
        } else if (step % printEvery == 0 || step == startStep + 1 || step == totalSteps) {
            out.printf("step %d/%d  %s  eta %s%n", step, totalSteps, extra, eta(step));
        }
    }

    @Override
    public void epochEnded(int epoch, long step, Map<String, Double> m) {
        String line = String.format("epoch %d done at step %d: mean loss %.4f (%.1f s)", epoch, step,
                m.getOrDefault("train_loss", Double.NaN), m.getOrDefault("epoch_time_s", Double.NaN));
        if (bar != null) {
            bar.setExtraMessage(" " + line);
        } else {
            out.println(line);
        }
    }

    @Override
    public void runEnded(RunStatus status, String message) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private String eta(long step) {
        long done = step - startStep;
        if (done <= 0) {
            return "?";
        }
        double perStep = (System.nanoTime() - startNanos) / 1e9 / done;
        long s = Math.round(perStep * (totalSteps - step));
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
