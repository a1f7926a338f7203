package dev.maejvm.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mae} command line: one command class per verb.
 *
 * <p>Exit codes: 0 success, 1 the job failed (e.g. non-finite loss), 2 bad usage or bad
 * configuration (the message names the option or field), 3 bad input data.
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
        dev.maejvm.experiments.cli.data.DataCommand.class,
        dev.maejvm.experiments.cli.runs.RunsCommand.class,
        dev.maejvm.experiments.cli.bench.BenchCommand.class,
    })
public final class MaeCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with its shared settings (used by main and by tests). */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new MaeCommand());
        cl.setUsageHelpAutoWidth(true);
        cl.setExitCodeExceptionMapper(ExitCodes::of);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("mae " + cmd.getCommandName() + ": error: " + ex.getMessage());
            if (System.getenv("MAE_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return ExitCodes.of(ex);
        });
        return cl;
    }
}
