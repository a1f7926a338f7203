package dev.maejvm.experiments.cli.runs;

import picocli.CommandLine.Command;

/** {@code mae runs}: the local run journals. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Runs recorded in local run journals: list, show, sync to MLflow.",
        subcommands = {RunsListCommand.class, RunsShowCommand.class, RunsSyncCommand.class})
public final class RunsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
