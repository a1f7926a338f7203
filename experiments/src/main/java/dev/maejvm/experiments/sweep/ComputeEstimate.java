package dev.maejvm.experiments.sweep;

import dev.maejvm.data.source.Datasets;
import dev.maejvm.experiments.spec.SpecStage;
import dev.maejvm.finetune.cls.FinetuneConfig;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.model.DetectorFlops;
import dev.maejvm.finetune.knn.KnnConfig;
import dev.maejvm.finetune.probe.LinprobeConfig;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.vit.model.FlopCount;
import java.nio.file.Path;
import java.util.Map;

/**
 * The compute a stage will take, from the model's analytic FLOPs ({@link FlopCount}: matrix
 * products, a training step 3x the forward) times the images it sees, at an assumed sustained
 * rate (on the 2-core machine of docs/PERFORMANCE.md training runs at 60-75 GFLOP/s). An estimate
 * for planning (the dry run), not a measurement: data loading, evaluation overheads and a busy
 * machine are not in it.
 */
public final class ComputeEstimate {
    /** Fashion-MNIST, the default data of every stage. */
    static final int DEFAULT_TRAIN_IMAGES = 60_000;
    static final int DEFAULT_VAL_IMAGES = 10_000;
    /** The generated scenes, the default data of the detect stage ({@code ./mae detect make-scenes}'s defaults). */
    static final int DEFAULT_SCENES_TRAIN = dev.maejvm.data.detection.scenes.SceneConfig.DEFAULT_TRAIN_SCENES;
    static final int DEFAULT_SCENES_TEST = dev.maejvm.data.detection.scenes.SceneConfig.DEFAULT_TEST_SCENES;

    private ComputeEstimate() {}

    /** FLOPs of a stage with its resolved config and settings (its inputs say which data). */
    public static double flops(SpecStage stage, Record config, Map<String, String> settings, PretrainConfig pretrain) {
        return switch (stage) {
            case PRETRAIN -> {
                PretrainConfig c = (PretrainConfig) config;
                double images = seen(c.epochs(), c.maxSteps(), (long) c.batchSize() * c.accumIter(), images(settings.get("data"), DEFAULT_TRAIN_IMAGES));
                yield images * FlopCount.trainPerImage(c.model(), c.maskRatio());
            }
            case FINETUNE -> {
                FinetuneConfig c = (FinetuneConfig) config;
                int train = images(settings.get("data"), DEFAULT_TRAIN_IMAGES);
                int val = images(settings.get("val-data"), DEFAULT_VAL_IMAGES);
                double images = seen(c.epochs(), c.maxSteps(), (long) c.batchSize() * c.accumIter(), train);
                double evals = Math.ceil((double) c.epochs() / c.evalEvery());
                yield images * FlopCount.classifierTrainPerImage(c.model(), c.numClasses())
                        + evals * val * FlopCount.classifierForwardPerImage(c.model(), c.numClasses());
            }
            case LINPROBE -> {                     // features once (cached); the head's epochs are negligible
                LinprobeConfig c = (LinprobeConfig) config;
                int images = images(settings.get("data"), DEFAULT_TRAIN_IMAGES) + images(settings.get("val-data"), DEFAULT_VAL_IMAGES);
                yield images * FlopCount.classifierForwardPerImage(c.model(), c.numClasses());
            }
            case KNN -> {
                KnnConfig c = (KnnConfig) config;
                int bank = images(settings.get("train-data"), DEFAULT_TRAIN_IMAGES);
                int val = images(settings.get("val-data"), DEFAULT_VAL_IMAGES);
                bank = c.trainLimit() > 0 ? Math.min(bank, c.trainLimit()) : bank;
                val = c.valLimit() > 0 ? Math.min(val, c.valLimit()) : val;
                yield (double) (bank + val) * FlopCount.classifierForwardPerImage(pretrain.model().encoder(), 0);
            }
            case DETECT -> {                       // at the input size; the evaluation's post-processing is not counted
                DetectConfig c = (DetectConfig) config;
                int train = images(settings.get("data"), DEFAULT_SCENES_TRAIN);
                int val = settings.containsKey("data") && !settings.containsKey("val-data") ? 0
                        : images(settings.get("val-data"), DEFAULT_SCENES_TEST);
                double images = seen(c.epochs(), c.maxSteps(), (long) c.effectiveBatch(), train);
                double evals = Math.ceil((double) c.epochs() / c.evalEvery());
                double forward = DetectorFlops.forwardPerImage(c);
                yield images * 3 * forward + evals * val * forward;
            }
        };
    }

    private static double seen(int epochs, long maxSteps, long perStep, int perEpoch) {
        double byEpochs = (double) epochs * perEpoch;
        return maxSteps > 0 ? Math.min(byEpochs, (double) maxSteps * perStep) : byEpochs;
    }

    /** The size of a dataset given as an input, or the default's. */
    private static int images(String path, int fallback) {
        return path == null ? fallback : Datasets.open(Path.of(path)).size();
    }
}
