package dev.maejvm.experiments.tracking;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One sample of the machine's use, under MLflow's own system-metric names where they exist:
 * {@code system/cpu_utilization_percentage}, {@code system/system_memory_usage_megabytes},
 * {@code system/system_memory_usage_percentage}, {@code system/gpu_<i>_utilization_percentage} and
 * {@code system/gpu_<i>_memory_usage_megabytes} (from nvidia-smi, when there is one), plus
 * {@code system/process_rss_megabytes} (this process's resident memory, from /proc/self/status).
 */
final class SystemMetrics {
    private static final double MB = 1024.0 * 1024.0;
    private static volatile Boolean hasNvidiaSmi;

    private SystemMetrics() {}

    static Map<String, Double> sample() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double cpu = os.getCpuLoad();
            if (cpu >= 0) {
                m.put("system/cpu_utilization_percentage", 100 * cpu);
            }
            long total = os.getTotalMemorySize();
            long used = total - os.getFreeMemorySize();
            m.put("system/system_memory_usage_megabytes", used / MB);
            m.put("system/system_memory_usage_percentage", 100.0 * used / total);
        }
        double rss = processRssMegabytes();
        if (rss >= 0) {
            m.put("system/process_rss_megabytes", rss);
        }
        m.putAll(gpus());
        return m;
    }

    /** VmRSS from /proc/self/status in MB, or -1 where there is no /proc. */
    static double processRssMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;      // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, Double> gpus() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (Boolean.FALSE.equals(hasNvidiaSmi)) {
            return m;
        }
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                hasNvidiaSmi = false;
                return m;
            }
            hasNvidiaSmi = true;
            String[] lines = out.strip().split("\\R");
            for (int i = 0; i < lines.length; i++) {
                String[] f = lines[i].split(",");
                if (f.length == 2) {
                    m.put("system/gpu_" + i + "_utilization_percentage", Double.parseDouble(f[0].trim()));
                    m.put("system/gpu_" + i + "_memory_usage_megabytes", Double.parseDouble(f[1].trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            hasNvidiaSmi = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }
}
