package dev.maejvm.experiments.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mae} command line: one command class per verb.
 *
 * <p>Exit codes ({@link ExitCodes}): 0 success, 1 the job failed (e.g. non-finite loss, an
 * internal error), 2 bad usage or bad configuration (the message names the option or field), 3 bad
 * input data.
 */
@Command(
    name = "mae",
    mixinStandardHelpOptions = true,
    version = "mae 0.1.0",
    description = "Masked Autoencoder pretraining and transfer of Vision Transformers on the JVM.",
    subcommands = {
        CommandLine.HelpCommand.class,
        dev.maejvm.experiments.cli.pretrain.PretrainCommand.class,
        dev.maejvm.experiments.cli.pretrain.ReconstructCommand.class,
        dev.maejvm.experiments.cli.pretrain.ExportCommand.class,
        dev.maejvm.experiments.cli.finetune.FinetuneCommand.class,
        dev.maejvm.experiments.cli.finetune.LinprobeCommand.class,
        dev.maejvm.experiments.cli.finetune.EvaluateCommand.class,
        dev.maejvm.experiments.cli.knn.KnnCommand.class,
        dev.maejvm.experiments.cli.data.DataCommand.class,
        dev.maejvm.experiments.cli.detect.DetectCommand.class,
        dev.maejvm.experiments.cli.runs.RunsCommand.class,
        dev.maejvm.experiments.cli.bench.BenchCommand.class,
        dev.maejvm.experiments.cli.experiment.ExperimentCommand.class,
    })
public final class MaeCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /**
     * Runs a command and exits with its code. Under mpirun (docs/DISTRIBUTED.md) a rank that ends
     * with a non-zero code aborts the whole job (MPI_Abort), so that no rank waits for it; after
     * 0, MPI is finalised.
     */
    public static void main(String[] args) {
        int code = newCommandLine().execute(args);
        dev.maejvm.train.dist.World.finish(code);
        System.exit(code);
    }

    /**
     * The command line with its shared settings (used by main and by tests). Parse errors (an
     * unknown option, a malformed or missing value) go to picocli's default parameter exception
     * handler, which prints the error and the usage and takes its exit code, 2, from
     * {@link ExitCodes#of}; exceptions of a command go to the handler here.
     */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new MaeCommand());
        cl.setUsageHelpAutoWidth(true);
        cl.setExitCodeExceptionMapper(ExitCodes::of);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            report(ex, cmd.getCommandSpec().qualifiedName(), cmd.getErr(), System.getenv("MAE_DEBUG") != null);
            return ExitCodes.of(ex);
        });
        return cl;
    }

    /**
     * The error line of an exception that escaped command {@code name}: its message for a usage,
     * configuration or data error (which name the option, field or file) and for a failed job;
     * for an internal error (an unexpected exception such as a NullPointerException) its type,
     * message and where it was thrown, and how to get the whole stack trace.
     */
    static void report(Throwable ex, String name, PrintWriter err, boolean debug) {
        if (ExitCodes.internal(ex)) {
            StackTraceElement[] st = ex.getStackTrace();
            err.println(name + ": internal error: " + ex + (st.length > 0 ? " (at " + st[0] + ")" : ""));
            int depth = 0;
            for (Throwable c = ex.getCause(); c != null && depth++ < 8; c = c.getCause()) {
                err.println("  caused by: " + c);
            }
        } else {
            String message = ex.getMessage() != null ? ex.getMessage() : ex.toString();
            err.println(name + ": error: " + message);
        }
        if (debug) {
            ex.printStackTrace(err);
        } else if (ExitCodes.of(ex) == ExitCodes.FAILED) {
            err.println("(set MAE_DEBUG=1 to print the stack trace)");
        }
        err.flush();
    }
}
