package dev.maejvm.experiments.cli.runs;

import dev.maejvm.experiments.tracking.JournalRecord;
import dev.maejvm.experiments.tracking.RunJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What a journal says about its run. */
record RunSummary(Path journal, String runId, String kind, String name, String status, long lastStep,
                  Map<String, String> params, Map<String, Double> lastMetrics, List<JournalRecord> artifacts) {

    static RunSummary of(Path journal) {
        List<JournalRecord> records;
        try {
            records = RunJournal.JournalReader.read(journal);
        } catch (IOException e) {
            throw new UncheckedIOException(journal + ": cannot read", e);
        }
        String runId = null;
        String kind = null;
        String name = null;
        String status = "RUNNING";
        long lastStep = 0;
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<JournalRecord> artifacts = new java.util.ArrayList<>();
        for (JournalRecord r : records) {
            switch (r.type()) {
                case "run_start" -> {
                    runId = r.runId();
                    kind = r.kind();
                    name = r.name();
                    params.putAll(r.params());
                    status = "RUNNING";
                }
                case "metric" -> {
                    metrics.put(r.key(), r.doubleValue());
                    lastStep = Math.max(lastStep, r.step());
                }
                case "artifact" -> artifacts.add(r);
                case "run_end" -> status = r.status();
                default -> { }
            }
        }
        return new RunSummary(journal, runId, kind, name, status, lastStep, params, metrics, artifacts);
    }

    /** Every journal under a folder. */
    static List<Path> journals(Path root) {
        if (Files.isRegularFile(root)) {
            return List.of(root);
        }
        try (Stream<Path> s = Files.walk(root, 4)) {
            return s.filter(p -> p.getFileName().toString().equals(RunJournal.FILE_NAME)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot list", e);
        }
    }
}
