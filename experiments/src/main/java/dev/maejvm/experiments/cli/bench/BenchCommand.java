package dev.maejvm.experiments.cli.bench;

import picocli.CommandLine.Command;

/** {@code mae bench}: speed measurements (benchmarks, not tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure speed: `bench model` (the pretraining step vs the gemm peak and PyTorch), `bench finetune`"
                + " (the fine-tuning step, alternating with PyTorch's), `bench detect` (one detection training step),"
                + " `bench data`, `bench allreduce` (under mpirun: data-parallel communication and step).",
        subcommands = {ModelBenchCommand.class, FinetuneBenchCommand.class, DetectBenchCommand.class, DataBenchCommand.class,
            AllreduceBenchCommand.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(new ModelBenchCommand()).execute();
    }
}
