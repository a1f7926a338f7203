package dev.maejvm.experiments.cli.detect;

import picocli.CommandLine.Command;

/**
 * {@code mae detect}: the object-detection stage. Each verb is its own command class, listed in
 * {@code subcommands} (train, eval and predict come next to make-scenes).
 */
@Command(name = "detect", mixinStandardHelpOptions = true, description = "Object detection: make-scenes (a benchmark from Fashion-MNIST), train (ViTDet + FCOS), eval (COCO AP).",
        subcommands = {MakeScenesCommand.class, DetectTrainCommand.class, DetectEvalCommand.class})
public final class DetectCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
