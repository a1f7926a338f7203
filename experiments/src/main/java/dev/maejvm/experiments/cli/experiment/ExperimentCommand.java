package dev.maejvm.experiments.cli.experiment;

import picocli.CommandLine.Command;

@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Experiment specs (YAML: a base config, axes to sweep, the stages of each point): run them, report them.",
        subcommands = {ExperimentRunCommand.class, ExperimentReportCommand.class})
public final class ExperimentCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
