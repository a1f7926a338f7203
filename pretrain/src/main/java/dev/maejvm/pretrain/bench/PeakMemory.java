package dev.maejvm.pretrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident memory of this process (Linux VmHWM), in MiB; -1 where /proc is not there. */
public final class PeakMemory {
    private PeakMemory() {}

    public static double peakRssMib() {
        return statusKib("VmHWM:") / 1024.0;
    }

    public static double rssMib() {
        return statusKib("VmRSS:") / 1024.0;
    }

    private static long statusKib(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1024;
        }
        return -1024;
    }
}
