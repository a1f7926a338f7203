package dev.maejvm.experiments.sweep;

import dev.maejvm.experiments.spec.SpecStage;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code ./mae} command line of one stage of a point: its output folder, the checkpoint it
 * reads, its settings ({@code --set key=value}, inputs as options) and its tracking (the parent
 * run's id as {@code mlflow.parentRunId}, so MLflow nests it under the experiment).
 */
public final class StageInvocation {
    /** KnnConfig's fields and the options of {@code ./mae knn} that set them (knn has no --set). */
    private static final Map<String, String> KNN_OPTIONS = Map.of("k", "--k", "temperature", "--temperature",
            "pool", "--global-pool", "batchSize", "--batch-size", "trainLimit", "--train-limit", "valLimit", "--val-limit");
    /** The file {@code ./mae knn --out} writes in the knn stage's folder. */
    public static final String KNN_RESULT = "knn.json";

    private StageInvocation() {}

    /**
     * The encoder settings of a point's pretraining as a fine-tuning's or a detector's config keys
     * ({@code model.encoder.embedDim} → {@code model.embedDim}): what a scratch fine-tuning or
     * detection of the point must set to train the pretrained model's architecture.
     */
    public static Map<String, String> scratchModel(Map<String, String> pretrainSettings) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        pretrainSettings.forEach((k, v) -> {
            if (k.startsWith("model.encoder.") && !k.equals("model.encoder.dropPathRate") && !k.equals("model.encoder.posEmbed")) {
                m.put("model." + k.substring("model.encoder.".length()), v);
            }
        });
        return m;
    }

    /** The arguments that decide what a stage computes: its command line without the tracking options. */
    public static List<String> withoutTracking(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--tracking-uri") || a.equals("--experiment-name") || a.equals("--tag")) {
                i++;
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * A spec's stage is its command's official defaults plus the spec's settings; but {@code ./mae
     * pretrain} without {@code --data} shortens its budget for a first try (quick start), so the
     * length keys the spec leaves alone are passed at their official values.
     */
    private static Map<String, String> officialBudget(Map<String, String> settings) {
        Map<String, String> official = dev.maejvm.pretrain.train.PretrainConfig.defaults(
                settings.getOrDefault("preset", SpecStage.DEFAULT_PRESET)).flatten();
        Map<String, String> m = new java.util.LinkedHashMap<>(settings);
        for (String key : List.of("epochs", "maxSteps", "warmupEpochs")) {
            m.putIfAbsent(key, official.get(key));
        }
        return m;
    }

    /**
     * @param settings the stage's settings at the point
     * @param stageDir the stage's output folder
     * @param pretrainDir the point's pretraining folder (null when the stage does not read it)
     * @param preset the model the stage trains (a scratch fine-tuning or detection starts from this preset)
     * @param scratchModel the encoder settings a scratch fine-tuning or detection takes from the point's
     *     pretraining (FinetuneConfig's and DetectConfig's {@code model.*} keys), so that it trains the same model
     * @param tracking tracking options to pass on ({@code --tracking-uri} ...), already as arguments
     * @param parentRunId the experiment's run id, or null
     */
    public static List<String> args(SpecStage stage, Map<String, String> settings, Path stageDir, Path pretrainDir,
                                    String preset, Map<String, String> scratchModel, List<String> tracking, String parentRunId) {
        List<String> a = new ArrayList<>(stage.command());
        Path checkpoint = pretrainDir == null ? null : pretrainDir.resolve(PretrainCheckpoint.FILE_NAME);
        switch (stage) {
            case PRETRAIN -> a.addAll(List.of("--out", stageDir.toString()));
            case FINETUNE, DETECT -> {
                a.addAll(List.of("--out", stageDir.toString()));
                if (checkpoint == null) {
                    a.addAll(List.of("--from-scratch", "--preset", preset));
                    for (Map.Entry<String, String> e : scratchModel.entrySet()) {
                        String key = e.getKey();
                        if (stage == SpecStage.DETECT && (key.equals("model.imgHeight") || key.equals("model.imgWidth"))) {
                            // the pretrained encoder's image size is the detection default: --input-size says it
                            if (key.equals("model.imgHeight") && !settings.containsKey("input-size")) {
                                a.addAll(List.of("--input-size", e.getValue()));
                            }
                        } else if (!settings.containsKey(key)) {
                            a.addAll(List.of("--set", key + "=" + e.getValue()));
                        }
                    }
                } else {
                    a.addAll(List.of("--pretrained", checkpoint.toString()));
                }
            }
            case LINPROBE -> a.addAll(List.of("--out", stageDir.toString(), "--pretrained", checkpoint.toString()));
            case KNN -> a.addAll(List.of("--checkpoint", checkpoint.toString(), "--out", stageDir.resolve(KNN_RESULT).toString()));
        }
        if (stage == SpecStage.PRETRAIN && !settings.containsKey("data")) {
            settings = officialBudget(settings);
        }
        settings.forEach((key, value) -> {
            if (key.equals(SpecStage.INIT)) {
                return;                                             // decided the checkpoint above
            }
            if (stage.inputs().contains(key)) {
                if (!(stage.hasInit() && key.equals("preset"))) {           // the checkpoint's, or given above
                    a.addAll(List.of("--" + key, value));
                }
            } else if (stage == SpecStage.KNN) {
                a.addAll(List.of(KNN_OPTIONS.get(key), key.equals("pool") ? value.toLowerCase(java.util.Locale.ROOT) : value));
            } else {
                a.addAll(List.of("--set", key + "=" + value));
            }
        });
        if (stage != SpecStage.KNN) {                                // knn writes a result file, not a run
            a.addAll(tracking);
            if (parentRunId != null) {
                a.addAll(List.of("--tag", "mlflow.parentRunId=" + parentRunId));
            }
        }
        return a;
    }
}
