package dev.maejvm.experiments.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maejvm.experiments.spec.ExperimentPoint;
import dev.maejvm.experiments.spec.ExperimentSpec;
import dev.maejvm.experiments.spec.SpecStage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every point of an experiment, stage after stage, in {@code OUT/<point>/<stage>/}: a stage
 * with a finished {@link StageStatus} is skipped, any other runs (its command resumes from its own
 * checkpoint, so a half-finished experiment goes on where it stopped); a stage that fails is
 * recorded as failed, the stages of that point that read it are not run, and the other points go
 * on. Points that agree on a stage share one run of it ({@link #layout}). Each point's {@code point.json} records its values
 * and the folder of each of its stages, which is what the report reads.
 */
public final class ExperimentRunner {
    /** Runs one {@code ./mae} command line and returns its exit code. */
    public interface Executor {
        int execute(List<String> args);
    }

    /** @param failures one line per failed stage: point, stage, why */
    public record Outcome(int ran, int skipped, int failed, List<String> failures) {}

    public static final String POINT_FILE = "point.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ExperimentSpec spec;
    private final Path out;
    private final Executor executor;
    private final List<String> tracking;
    private final PrintStream log;

    /**
     * @param tracking tracking options to pass to every stage's command, as arguments
     * @param log where progress lines go
     */
    public ExperimentRunner(ExperimentSpec spec, Path out, Executor executor, List<String> tracking, PrintStream log) {
        this.spec = spec;
        this.out = out;
        this.executor = executor;
        this.tracking = List.copyOf(tracking);
        this.log = log;
    }

    /**
     * The folder of each stage of each point. Stages are shared between points that agree on
     * them: a stage's identity is its settings and the pretraining folder it reads, so points
     * that differ only in fine-tuning share one pretraining, and a probe or kNN of the same
     * checkpoint runs once.
     */
    public Map<String, Map<SpecStage, Path>> layout() {
        Map<String, Map<SpecStage, Path>> layout = new LinkedHashMap<>();
        Map<List<Object>, Path> shared = new HashMap<>();
        for (ExperimentPoint p : spec.points()) {
            Map<SpecStage, Path> dirs = new EnumMap<>(SpecStage.class);
            for (SpecStage s : spec.stages()) {
                Map<String, String> settings = p.settings(s);
                Path upstream = s.needsPretrain(settings) ? dirs.get(SpecStage.PRETRAIN) : null;
                // a stage without a checkpoint to read (a scratch fine-tuning) still trains the point's model
                Object model = upstream == null ? List.of(preset(p, s), StageInvocation.scratchModel(p.settings(SpecStage.PRETRAIN))) : null;
                List<Object> identity = java.util.Arrays.asList(s, settings, upstream, model);
                dirs.put(s, shared.computeIfAbsent(identity, k -> out.resolve(p.name()).resolve(s.id())));
            }
            layout.put(p.name(), dirs);
        }
        return layout;
    }

    /** The command line of a stage of a point, as it runs (and as a dry run prints it). */
    public List<String> args(ExperimentPoint p, SpecStage s, Map<SpecStage, Path> dirs, String parentRunId) {
        Map<String, String> settings = p.settings(s);
        return StageInvocation.args(s, settings, dirs.get(s), s.needsPretrain(settings) ? dirs.get(SpecStage.PRETRAIN) : null,
                preset(p, s), StageInvocation.scratchModel(p.settings(SpecStage.PRETRAIN)), tracking, parentRunId);
    }

    /**
     * Refuses to go on with stages that finished under other settings (the spec was edited): their
     * results would be reported as the new settings'. Tracking options may differ.
     */
    public void requireUnchanged() {
        Map<String, Map<SpecStage, Path>> layout = layout();
        List<String> changed = new ArrayList<>();
        for (ExperimentPoint p : spec.points()) {
            for (SpecStage s : spec.stages()) {
                StageStatus st = StageStatus.read(layout.get(p.name()).get(s));
                if (st != null && st.finished() && !st.args().isEmpty()) {
                    List<String> now = StageInvocation.withoutTracking(args(p, s, layout.get(p.name()), null));
                    if (!StageInvocation.withoutTracking(st.args()).equals(now)) {
                        changed.add(p.name() + " " + s.id() + " ran as: ./mae " + String.join(" ", StageInvocation.withoutTracking(st.args()))
                                + "\n    the spec now says: ./mae " + String.join(" ", now));
                    }
                }
            }
        }
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("finished stages in " + out + " ran with other settings than the spec's now"
                    + " (use a new --out, or delete those stage folders to run them again):\n  " + String.join("\n  ", changed));
        }
    }

    /** @param parentRunId the experiment's run (children are tagged with it), or null */
    public Outcome run(String parentRunId) {
        requireUnchanged();
        Map<String, Map<SpecStage, Path>> layout = layout();
        int ran = 0;
        int skipped = 0;
        List<String> failures = new ArrayList<>();
        java.util.Set<Path> failedNow = new java.util.HashSet<>();   // a shared stage that failed is not tried again by the next point
        for (ExperimentPoint p : spec.points()) {
            Map<SpecStage, Path> dirs = layout.get(p.name());
            writePoint(p, dirs);
            boolean pretrainOk = true;
            for (SpecStage s : spec.stages()) {
                Map<String, String> settings = p.settings(s);
                boolean reads = s.needsPretrain(settings);
                Path dir = dirs.get(s);
                StageStatus before = StageStatus.read(dir);
                if (before != null && before.finished() && s == SpecStage.PRETRAIN && checkpointGoneButNeeded(p, dirs)) {
                    log.printf("experiment %s: %s pretrain finished before, but its checkpoint is gone and a later stage"
                            + " needs it: running it again%n", spec.name(), p.name());
                } else if (before != null && before.finished()) {
                    skipped++;
                    log.printf("experiment %s: %s %s finished before, skipped%n", spec.name(), p.name(), s.id());
                    continue;
                }
                if (failedNow.contains(dir)) {
                    failures.add(p.name() + " " + s.id() + ": shares the stage that failed above");
                    if (s == SpecStage.PRETRAIN) {
                        pretrainOk = false;
                    }
                    continue;
                }
                if (reads && !pretrainOk) {
                    String why = "not run: its pretraining stage failed";
                    new StageStatus(s.id(), StageStatus.FAILED, -1, 0, why, List.of()).write(dir);
                    failures.add(p.name() + " " + s.id() + ": " + why);
                    continue;
                }
                List<String> args = args(p, s, dirs, parentRunId);
                log.printf("experiment %s: %s %s: ./mae %s%n", spec.name(), p.name(), s.id(), String.join(" ", args));
                StageStatus status = runStage(s, args);
                status.write(dir);
                ran++;
                if (!status.finished()) {
                    failedNow.add(dir);
                    failures.add(p.name() + " " + s.id() + ": " + status.message());
                    log.printf("experiment %s: %s %s FAILED (%s); going on with the others%n", spec.name(), p.name(), s.id(),
                            status.message());
                    if (s == SpecStage.PRETRAIN) {
                        pretrainOk = false;
                    }
                }
            }
        }
        return new Outcome(ran, skipped, failures.size(), failures);
    }

    /**
     * Whether the point's pretraining checkpoint is missing while a stage that reads it has not
     * finished: an experiment's records (point.json, stage.json, journals) may be kept without
     * its checkpoints, e.g. committed, and continued elsewhere.
     */
    private boolean checkpointGoneButNeeded(ExperimentPoint p, Map<SpecStage, Path> dirs) {
        Path pre = dirs.get(SpecStage.PRETRAIN);
        if (Files.isRegularFile(pre.resolve(dev.maejvm.pretrain.checkpoint.PretrainCheckpoint.FILE_NAME))) {
            return false;
        }
        for (SpecStage s : spec.stages()) {
            StageStatus st = StageStatus.read(dirs.get(s));
            if (s.needsPretrain(p.settings(s)) && (st == null || !st.finished())) {
                return true;
            }
        }
        return false;
    }

    private StageStatus runStage(SpecStage s, List<String> args) {
        long start = System.nanoTime();
        int code;
        String message = "";
        try {
            code = executor.execute(args);
            if (code != 0) {
                message = "exit code " + code + " (see the command's output above)";
            }
        } catch (RuntimeException | Error e) {       // an OutOfMemoryError of one point must not end the others
            code = 1;
            message = e.toString();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new StageStatus(s.id(), code == 0 ? StageStatus.FINISHED : StageStatus.FAILED, code, seconds, message, args);
    }

    /** The model a stage of the point trains: its pretraining's preset, else the stage's own, else the default. */
    public static String preset(ExperimentPoint p, SpecStage stage) {
        String pre = p.settings(SpecStage.PRETRAIN).get("preset");
        if (pre != null) {
            return pre;
        }
        return p.settings(stage).getOrDefault("preset", SpecStage.DEFAULT_PRESET);
    }

    private void writePoint(ExperimentPoint p, Map<SpecStage, Path> dirs) {
        Path dir = out.resolve(p.name());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("index", p.index());
        m.put("values", p.values());
        Map<String, String> stages = new LinkedHashMap<>();
        dirs.forEach((s, d) -> stages.put(s.id(), dir.relativize(d).toString()));
        m.put("stages", stages);
        Map<String, Object> settings = new LinkedHashMap<>();
        p.settings().forEach((s, v) -> settings.put(s.id(), v));
        m.put("settings", settings);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(POINT_FILE + ".tmp");
            JSON.writeValue(tmp.toFile(), m);
            Files.move(tmp, dir.resolve(POINT_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(POINT_FILE) + ": " + e.getMessage(), e);
        }
    }
}
