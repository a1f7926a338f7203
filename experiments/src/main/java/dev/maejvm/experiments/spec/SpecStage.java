package dev.maejvm.experiments.spec;

import dev.maejvm.finetune.cls.FinetuneConfig;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.knn.KnnConfig;
import dev.maejvm.finetune.probe.LinprobeConfig;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A stage of an experiment point: one {@code ./mae} command. A stage's settings are the dotted keys
 * of its command's config (those of its {@code config.json}, set with {@code --set}) plus a few
 * inputs that are options of the command rather than config keys ({@link #inputs}). The stages
 * run in this order; {@code detect} is {@code ./mae detect train} (COCO-format data: the
 * generated scenes by default).
 */
public enum SpecStage {
    PRETRAIN(List.of("preset", "data")),
    FINETUNE(List.of("init", "preset", "data", "val-data")),
    LINPROBE(List.of("data", "val-data")),
    KNN(List.of("train-data", "val-data")),
    DETECT(List.of("init", "preset", "data", "val-data", "input-size"));

    /** {@code finetune.init} and {@code detect.init}: from the point's pretraining checkpoint, or the same model from scratch. */
    public static final String INIT = "init";
    public static final String INIT_PRETRAINED = "pretrained";
    public static final String INIT_SCRATCH = "scratch";
    /** The preset of a point without a pretraining stage's own setting. */
    public static final String DEFAULT_PRESET = "tiny";

    private final List<String> inputs;

    SpecStage(List<String> inputs) {
        this.inputs = inputs;
    }

    /** The name in specs: pretrain, finetune, linprobe, knn, detect. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The {@code ./mae} command words that run the stage. */
    public List<String> command() {
        return this == DETECT ? List.of("detect", "train") : List.of(id());
    }

    /** Whether the stage trains from the point's pretraining or, with {@code init: scratch}, the same model from scratch. */
    public boolean hasInit() {
        return this == FINETUNE || this == DETECT;
    }

    public static SpecStage of(String id) {
        for (SpecStage s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + id + "'; the stages are "
                + String.join(", ", java.util.Arrays.stream(values()).map(SpecStage::id).toList()));
    }

    /** The settings that are the command's inputs (options), not config keys. */
    public List<String> inputs() {
        return inputs;
    }

    /** Whether the stage reads the point's pretraining checkpoint (given its settings). */
    public boolean needsPretrain(Map<String, String> settings) {
        return this != PRETRAIN && !(hasInit() && INIT_SCRATCH.equals(settings.get(INIT)));
    }

    /**
     * The stage's config with the given settings applied to its command's defaults, which runs
     * the config's own validation: an unknown key or a bad value throws a
     * {@link dev.maejvm.train.config.ConfigException} naming the key.
     *
     * @param settings the stage's settings (inputs are skipped here)
     * @param pretrain the point's pretraining config (its model is the encoder the stage starts
     *     from), or null for a point without one
     */
    public Record resolve(Map<String, String> settings, PretrainConfig pretrain) {
        Map<String, String> keys = new java.util.LinkedHashMap<>(settings);
        keys.keySet().removeAll(inputs);
        if (hasInit() && settings.containsKey(INIT)) {
            String init = settings.get(INIT);
            if (!init.equals(INIT_PRETRAINED) && !init.equals(INIT_SCRATCH)) {
                throw new dev.maejvm.train.config.ConfigException(INIT, "init must be pretrained or scratch, got '" + init + "'");
            }
        }
        String preset = pretrain != null ? pretrain.preset() : settings.getOrDefault("preset", DEFAULT_PRESET);
        MaeConfig model = pretrain != null ? pretrain.model() : MaeConfig.preset(preset);
        return switch (this) {
            case PRETRAIN -> Configs.with(PretrainConfig.defaults(preset), keys);
            case FINETUNE -> Configs.with(FinetuneConfig.defaults(preset, null, model.encoder(), 10), keys);
            case LINPROBE -> Configs.with(LinprobeConfig.defaults(preset, "the point's pretraining checkpoint", model.encoder(), 10), keys);
            case KNN -> Configs.with(KnnConfig.defaults(), keys);
            case DETECT -> Configs.with(DetectConfig.defaults(preset, needsPretrain(settings) ? "the point's pretraining checkpoint" : "",
                    detectionEncoder(model.encoder(), settings), 1), keys);   // the class count is the data's, set when it runs
        };
    }

    /** The encoder at the detection input size: {@code input-size}, else the encoder's own image size (as detect train). */
    private static ViTConfig detectionEncoder(ViTConfig encoder, Map<String, String> settings) {
        for (String key : List.of("model.imgHeight", "model.imgWidth")) {
            if (settings.containsKey(key)) {
                throw new dev.maejvm.train.config.ConfigException(key, "detect: the input size is set with input-size, not " + key);
            }
        }
        String size = settings.get("input-size");
        if (size == null) {
            return encoder;
        }
        int side;
        try {
            side = Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            throw new dev.maejvm.train.config.ConfigException("input-size", "input-size must be a whole number of pixels, got '" + size + "'");
        }
        if (side < encoder.patchSize() || side % encoder.patchSize() != 0) {
            throw new dev.maejvm.train.config.ConfigException("input-size", "input-size " + side + " is not a positive multiple of the patch size "
                    + encoder.patchSize());
        }
        return encoder.withImgSize(side, side);
    }
}
