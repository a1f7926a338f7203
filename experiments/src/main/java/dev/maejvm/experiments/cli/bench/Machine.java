package dev.maejvm.experiments.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine line the model benches print: cores, CPU, and the native libraries' settings both sides run under. */
final class Machine {
    private Machine() {}

    static String describe() {
        return String.format("machine: %d cores, %s, OMP_WAIT_POLICY=%s OPENBLAS_THREAD_TIMEOUT=%s OPENBLAS_CORETYPE=%s"
                        + " (both runs)",
                Runtime.getRuntime().availableProcessors(), cpuModel(),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"),
                System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "(unset)"),
                // unset: OpenBLAS chooses by CPU model, its slow generic kernels on models newer than itself
                System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset: OpenBLAS's choice)"));
    }

    /** The CPU's name and model number (OpenBLAS chooses its kernels by the number). */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return cpuinfo(lines, "model name", "unknown CPU") + " (model " + cpuinfo(lines, "model", "?") + ")";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String cpuinfo(List<String> lines, String key, String otherwise) {
        return lines.stream().filter(l -> l.indexOf(':') > 0 && l.substring(0, l.indexOf(':')).trim().equals(key))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(otherwise);
    }
}
