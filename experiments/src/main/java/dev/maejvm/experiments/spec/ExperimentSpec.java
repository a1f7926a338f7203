package dev.maejvm.experiments.spec;

import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment spec: a base config per stage, axes to sweep over any stage's setting (every
 * combination, times the seeds), and the stages each point runs. Example:
 *
 * <pre>
 * name: mask-ratio
 * stages: [pretrain, finetune, linprobe, knn]
 * seeds: [0]
 * base:
 *   pretrain: {preset: tiny, epochs: 4, warmupEpochs: 0.5, blr: 1.0e-3}
 *   finetune: {epochs: 1, warmupEpochs: 0.1}
 * axes:
 *   pretrain.maskRatio: [0.1, 0.5, 0.75, 0.9]
 * </pre>
 *
 * A stage's settings are its config's dotted keys ({@code model.decoderDepth}; nested maps are
 * joined with dots) and its inputs ({@link SpecStage#inputs}). Loading checks every point's
 * settings against its stage's config: an unknown key or a bad value is an error naming the key and
 * the line of the file that set it.
 */
public record ExperimentSpec(Path file, String name, String description, List<SpecStage> stages, List<Long> seeds,
                             Map<SpecStage, Map<String, String>> base, List<Axis> axes, List<ExperimentPoint> points) {
    private static final Set<String> TOP_KEYS = Set.of("name", "description", "stages", "seeds", "base", "axes");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String SEED = "seed";

    public static ExperimentSpec load(Path file) {
        return new Parser(file).parse();
    }

    /** Parsing state: the file and where each base key came from. */
    private static final class Parser {
        private final Path file;
        private final Map<String, Integer> baseLines = new LinkedHashMap<>();
        private int stagesLine = 1;

        Parser(Path file) {
            this.file = file;
        }

        ExperimentSpec parse() {
            SpecNode.Mapping root = mapping(SpecReader.read(file), "the spec");
            root.entries().keySet().forEach(k -> {
                if (!TOP_KEYS.contains(k)) {
                    throw error(root.keyLines().get(k), "unknown key '" + k + "'; a spec has " + TOP_KEYS);
                }
            });
            String name = scalar(required(root, "name"), "name");
            if (!NAME.matcher(name).matches()) {
                throw error(root.keyLines().get("name"), "name '" + name + "' may only hold letters, digits, '.', '_', '-'");
            }
            String description = root.entries().containsKey("description") ? scalar(root.entries().get("description"), "description") : "";
            List<SpecStage> stages = stages(required(root, "stages"));
            List<Long> seeds = seeds(root.entries().get("seeds"));
            Map<SpecStage, Map<String, String>> base = base(root.entries().get("base"), stages);
            List<Axis> axes = axes(root.entries().get("axes"), stages);
            stagesLine = root.keyLines().get("stages");
            List<ExperimentPoint> points = expand(name, stages, seeds, base, axes);
            return new ExperimentSpec(file, name, description, stages, seeds, base, axes, points);
        }

        private List<SpecStage> stages(SpecNode node) {
            Set<SpecStage> set = new LinkedHashSet<>();
            for (SpecNode item : sequence(node, "stages").items()) {
                try {
                    if (!set.add(SpecStage.of(scalar(item, "stages")))) {
                        throw error(item.line(), "stage '" + scalar(item, "stages") + "' is listed twice");
                    }
                } catch (SpecException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw error(item.line(), e.getMessage());
                }
            }
            if (set.isEmpty()) {
                throw error(node.line(), "stages is empty");
            }
            List<SpecStage> ordered = new ArrayList<>();
            for (SpecStage s : SpecStage.values()) {          // run order: a stage after the one it reads
                if (set.contains(s)) {
                    ordered.add(s);
                }
            }
            return ordered;
        }

        private List<Long> seeds(SpecNode node) {
            if (node == null) {
                return List.of(0L);
            }
            List<Long> seeds = new ArrayList<>();
            for (SpecNode item : sequence(node, "seeds").items()) {
                String s = scalar(item, "seeds");
                try {
                    long seed = Long.parseLong(s);
                    if (seeds.contains(seed)) {
                        throw error(item.line(), "seed " + seed + " is listed twice");
                    }
                    seeds.add(seed);
                } catch (NumberFormatException e) {
                    throw error(item.line(), "seeds: '" + s + "' is not an integer");
                }
            }
            if (seeds.isEmpty()) {
                throw error(node.line(), "seeds is empty");
            }
            return seeds;
        }

        private Map<SpecStage, Map<String, String>> base(SpecNode node, List<SpecStage> stages) {
            Map<SpecStage, Map<String, String>> base = new EnumMap<>(SpecStage.class);
            if (node == null) {
                return base;
            }
            SpecNode.Mapping m = mapping(node, "base");
            m.entries().forEach((stageId, value) -> {
                SpecStage stage = stageNamed(stageId, m.keyLines().get(stageId), stages, "base");
                Map<String, String> settings = new LinkedHashMap<>();
                flatten(stage, "", mapping(value, "base." + stageId), settings);
                base.put(stage, settings);
            });
            return base;
        }

        private void flatten(SpecStage stage, String prefix, SpecNode.Mapping m, Map<String, String> into) {
            m.entries().forEach((k, v) -> {
                String key = prefix + k;
                int line = m.keyLines().get(k);
                if (key.equals(SEED)) {
                    throw error(line, stage.id() + ".seed: seeds are set for every stage by the top-level 'seeds' list");
                }
                if (v instanceof SpecNode.Mapping sub) {
                    flatten(stage, key + ".", sub, into);
                } else {
                    if (into.containsKey(key)) {
                        throw error(line, stage.id() + "." + key + " is set twice (line " + baseLines.get(stage.id() + "." + key) + ")");
                    }
                    into.put(key, scalar(v, stage.id() + "." + key));
                    baseLines.put(stage.id() + "." + key, line);
                }
            });
        }

        private List<Axis> axes(SpecNode node, List<SpecStage> stages) {
            List<Axis> axes = new ArrayList<>();
            if (node == null) {
                return axes;
            }
            SpecNode.Mapping m = mapping(node, "axes");
            m.entries().forEach((name, value) -> {
                int line = m.keyLines().get(name);
                int dot = name.indexOf('.');
                if (dot <= 0 || dot == name.length() - 1) {
                    throw error(line, "axis '" + name + "' must be stage.key, e.g. pretrain.maskRatio");
                }
                SpecStage stage = stageNamed(name.substring(0, dot), line, stages, "axis '" + name + "'");
                String key = name.substring(dot + 1);
                if (key.equals(SEED)) {
                    throw error(line, "axis '" + name + "': seeds are swept by the top-level 'seeds' list");
                }
                List<String> values = new ArrayList<>();
                for (SpecNode item : sequence(value, "axis " + name).items()) {
                    String v = scalar(item, "axis " + name);
                    if (values.contains(v)) {
                        throw error(item.line(), "axis '" + name + "': value " + v + " is listed twice");
                    }
                    values.add(v);
                }
                if (values.isEmpty()) {
                    throw error(line, "axis '" + name + "' has no values");
                }
                axes.add(new Axis(stage, key, values, line));
            });
            return axes;
        }

        private List<ExperimentPoint> expand(String name, List<SpecStage> stages, List<Long> seeds,
                                             Map<SpecStage, Map<String, String>> base, List<Axis> axes) {
            List<ExperimentPoint> points = new ArrayList<>();
            int combos = 1;
            for (Axis a : axes) {
                combos = Math.multiplyExact(combos, a.values().size());
            }
            for (int c = 0; c < combos; c++) {
                Map<String, String> values = new LinkedHashMap<>();
                int rest = c;
                for (int i = axes.size() - 1; i >= 0; i--) {     // the first axis varies slowest
                    Axis a = axes.get(i);
                    values.put(a.name(), a.values().get(rest % a.values().size()));
                    rest /= a.values().size();
                }
                Map<String, String> ordered = new LinkedHashMap<>();
                axes.forEach(a -> ordered.put(a.name(), values.get(a.name())));
                for (long seed : seeds) {
                    Map<SpecStage, Map<String, String>> settings = new EnumMap<>(SpecStage.class);
                    for (SpecStage s : stages) {
                        Map<String, String> st = new LinkedHashMap<>(base.getOrDefault(s, Map.of()));
                        for (Axis a : axes) {
                            if (a.stage() == s) {
                                st.put(a.key(), ordered.get(a.name()));
                            }
                        }
                        if (s != SpecStage.KNN) {
                            st.put(SEED, Long.toString(seed));
                        }
                        settings.put(s, st);
                    }
                    Map<String, String> pointValues = new LinkedHashMap<>(ordered);
                    pointValues.put(SEED, Long.toString(seed));
                    int index = points.size();
                    ExperimentPoint p = new ExperimentPoint(index, pointName(index, axes, pointValues), pointValues, seed, settings);
                    check(p, stages, axes);
                    points.add(p);
                }
            }
            return points;
        }

        /** Resolves every stage's config of the point, so a bad key or value fails at load, naming its line. */
        private void check(ExperimentPoint p, List<SpecStage> stages, List<Axis> axes) {
            PretrainConfig pretrain = null;
            for (SpecStage s : stages) {
                Map<String, String> settings = p.settings(s);
                if (s.needsPretrain(settings) && !stages.contains(SpecStage.PRETRAIN)) {
                    throw error(stagesLine, "stage " + s.id() + " reads the point's pretraining checkpoint, but pretrain is not"
                            + " in stages" + (s.hasInit() ? " (or set " + s.id() + ".init: scratch)" : ""));
                }
                try {
                    Record cfg = s.resolve(settings, pretrain);   // a scratch point trains the same model
                    if (s == SpecStage.PRETRAIN) {
                        pretrain = (PretrainConfig) cfg;
                    }
                } catch (IllegalArgumentException e) {
                    String key = e instanceof ConfigException ce ? ce.key() : null;
                    throw error(lineOf(s, key, e.getMessage(), settings, axes), s.id() + ": " + e.getMessage()
                            + (p.values().size() > 1 ? " (point " + p.name() + ")" : ""));
                }
            }
        }

        /** The line that set the key the error is about: an axis, else the base; found in the message when the key is not given. */
        private int lineOf(SpecStage s, String key, String message, Map<String, String> settings, List<Axis> axes) {
            List<String> candidates = new ArrayList<>();
            if (key != null && !key.isEmpty()) {
                candidates.add(key);
            }
            settings.keySet().stream().filter(k -> message != null && message.contains(k)).forEach(candidates::add);
            for (String k : candidates) {
                for (Axis a : axes) {
                    if (a.stage() == s && a.key().equals(k)) {
                        return a.line();
                    }
                }
                Integer line = baseLines.get(s.id() + "." + k);
                if (line != null) {
                    return line;
                }
            }
            return 1;
        }

        private SpecStage stageNamed(String id, int line, List<SpecStage> stages, String where) {
            SpecStage stage;
            try {
                stage = SpecStage.of(id);
            } catch (IllegalArgumentException e) {
                throw error(line, where + ": " + e.getMessage());
            }
            if (!stages.contains(stage)) {
                throw error(line, where + " sets stage " + id + ", which is not in stages " + stages.stream().map(SpecStage::id).toList());
            }
            return stage;
        }

        private SpecNode required(SpecNode.Mapping m, String key) {
            SpecNode n = m.entries().get(key);
            if (n == null) {
                throw error(m.line(), "the spec needs '" + key + "'");
            }
            return n;
        }

        private SpecNode.Mapping mapping(SpecNode n, String what) {
            if (n instanceof SpecNode.Mapping m) {
                return m;
            }
            throw error(n.line(), what + " must be a map of key: value");
        }

        private SpecNode.Sequence sequence(SpecNode n, String what) {
            if (n instanceof SpecNode.Sequence s) {
                return s;
            }
            throw error(n.line(), what + " must be a list, e.g. [a, b]");
        }

        private String scalar(SpecNode n, String what) {
            if (n instanceof SpecNode.Scalar s) {
                return s.text();
            }
            throw error(n.line(), what + " must be a single value");
        }

        private SpecException error(int line, String message) {
            return new SpecException(file, line, message);
        }
    }

    /** p03-maskRatio=0.75-seed=0: the index, each axis by the last part of its key (the whole name where two clash), the seed. */
    static String pointName(int index, List<Axis> axes, Map<String, String> values) {
        StringBuilder sb = new StringBuilder(String.format("p%02d", index));
        Set<String> shortNames = new LinkedHashSet<>();
        Set<String> clashing = new LinkedHashSet<>();
        for (Axis a : axes) {
            if (!shortNames.add(shortName(a))) {
                clashing.add(shortName(a));
            }
        }
        for (Axis a : axes) {
            String label = clashing.contains(shortName(a)) ? a.name() : shortName(a);
            sb.append('-').append(label).append('=').append(values.get(a.name()));
        }
        sb.append("-seed=").append(values.get(SEED));
        return sb.toString().replaceAll("[^A-Za-z0-9._=-]", "_");
    }

    private static String shortName(Axis a) {
        return a.key().substring(a.key().lastIndexOf('.') + 1);
    }
}
