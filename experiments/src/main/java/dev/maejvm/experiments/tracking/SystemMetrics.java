package dev.maejvm.experiments.tracking;

import dev.maejvm.pretrain.events.RunStart;
import dev.maejvm.pretrain.events.RunStatus;
import dev.maejvm.pretrain.events.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the machine on an interval into the run journal, under MLflow's system-metric names
 * ({@code system/cpu_utilization_percentage}, {@code system/system_memory_usage_megabytes},
 * {@code system/system_memory_usage_percentage}) plus {@code system/process_rss_megabytes}; the
 * step is the sample's number. Linux /proc; where it is missing nothing is logged. No GPU here:
 * the CPU backend has none to report.
 */
public final class SystemMetrics implements TrainingListener {
    private final RunJournal journal;
    private final long intervalSeconds;
    private ScheduledExecutorService timer;
    private long sample;
    private long[] lastCpu;

    public SystemMetrics(RunJournal journal, long intervalSeconds) {
        this.journal = journal;
        this.intervalSeconds = intervalSeconds;
    }

    @Override
    public String runStarted(RunStart start) {
        lastCpu = cpuTimes();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mae-system-metrics");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sample, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        return null;
    }

    @Override
    public void runEnded(RunStatus status, String message) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** One sample now (also used by the timer). */
    void sample() {
        Map<String, Double> m = new LinkedHashMap<>();
        long[] cpu = cpuTimes();
        if (cpu != null && lastCpu != null && cpu[1] > lastCpu[1]) {
            m.put("system/cpu_utilization_percentage", 100.0 * (cpu[0] - lastCpu[0]) / (cpu[1] - lastCpu[1]));
        }
        lastCpu = cpu;
        Map<String, Long> mem = kib(Path.of("/proc/meminfo"));
        if (mem.containsKey("MemTotal:") && mem.containsKey("MemAvailable:")) {
            double used = (mem.get("MemTotal:") - mem.get("MemAvailable:")) / 1024.0;
            m.put("system/system_memory_usage_megabytes", used);
            m.put("system/system_memory_usage_percentage", 100 * used * 1024 / mem.get("MemTotal:"));
        }
        Long rss = kib(Path.of("/proc/self/status")).get("VmRSS:");
        if (rss != null) {
            m.put("system/process_rss_megabytes", rss / 1024.0);
        }
        if (!m.isEmpty()) {
            journal.logMetrics(m, ++sample);
        }
    }

    /** {busy, total} jiffies of all CPUs from /proc/stat, or null. */
    private static long[] cpuTimes() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Map<String, Long> kib(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].endsWith(":")) {
                    try {
                        out.put(f[0], Long.parseLong(f[1]));
                    } catch (NumberFormatException ignored) {
                        // not a number of kB
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
