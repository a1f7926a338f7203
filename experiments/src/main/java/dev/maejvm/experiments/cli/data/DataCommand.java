package dev.maejvm.experiments.cli.data;

import picocli.CommandLine.Command;

/** {@code mae data}: look at and convert datasets. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Dataset tools: stats, export.",
        subcommands = {DataStatsCommand.class, DataExportCommand.class})
public final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
