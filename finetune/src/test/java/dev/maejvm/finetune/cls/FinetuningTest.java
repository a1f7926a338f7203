package dev.maejvm.finetune.cls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.OnBadImage;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.config.Configs;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fine-tuning end to end on {@link Shapes} with the micro preset: it learns the task, the best and
 * last checkpoints reload to identical outputs, and a run stopped mid-epoch and resumed ends with
 * the uninterrupted run's weights, bit for bit.
 */
public class FinetuningTest {
    static final float[] MEAN = {0.2f};
    static final float[] STD = {0.3f};
    static final Checkpoint.DataInfo DATA = new Checkpoint.DataInfo("shapes", MEAN, STD);

    @TempDir
    Path dir;

    public static FinetuneConfig config(Map<String, String> more) {
        FinetuneConfig base = FinetuneConfig.defaults("micro", null, MaeConfig.preset("micro").encoder(), 4);
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("epochs", "6", "batchSize", "32", "lr", "3e-3",
                "warmupEpochs", "1", "randAugment", "none", "reprob", "0", "mixup", "0", "cutmix", "0", "cropScaleMin", "0.7",
                "evalCropPct", "1.0"));
        o.putAll(more);
        return Configs.with(base, o);
    }

    public record Run(ViTClassifier model, Finetuning finetuning, Trainer.Result result) {}

    public static Run train(FinetuneConfig cfg, Path out, TrainingListener listener, Path resumeFrom) throws IOException {
        Files.createDirectories(out);
        ViTClassifier model = ViTClassifier.create(cfg.model(), cfg.globalPool(), cfg.numClasses(), DataType.FLOAT, cfg.seed());
        AdamW opt = Finetuning.optimizer(cfg, model);
        TrainState start = TrainState.fresh();
        if (resumeFrom != null) {
            start = ClassifierCheckpoint.restore(resumeFrom, model, opt).state();
        }
        try (ClassificationData data = ClassificationData.open(new Shapes(512, 1), new Shapes(256, 2), cfg, MEAN, STD, 2,
                OnBadImage.FAIL)) {
            Finetuning f = new Finetuning(cfg, model, opt, data, listener, out, DATA, null);
            Trainer.Result r = f.trainer().run(start);
            return new Run(model, f, r);
        }
    }

    @Test
    void learnsTheTaskAndKeepsTheBestWeights() throws IOException {
        Run run = train(config(Map.of()), dir, new TrainingListener() {}, null);
        assertTrue(run.finetuning().best().best() >= 95, "best val top-1 " + run.finetuning().best().best());
        String log = Files.readString(dir.resolve("log.txt"));
        assertTrue(log.contains("val_top1") && log.contains("val_top5"), log);

        ClassifierCheckpoint.Loaded last = ClassifierCheckpoint.load(dir.resolve(ClassifierCheckpoint.LAST));
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 16, 16);
        assertEquals(run.model().forward(x, Ctx.eval()).dup(), last.model().forward(x, Ctx.eval()).dup(),
                "the last checkpoint reloads to identical outputs");
        ClassifierCheckpoint.Loaded best = ClassifierCheckpoint.load(dir.resolve(ClassifierCheckpoint.BEST));
        try (ClassificationData val = ClassificationData.open(null, new Shapes(256, 2), best.config(), MEAN, STD, 2,
                OnBadImage.FAIL)) {
            assertEquals(run.finetuning().best().best(), ValidationEvaluator.evaluate(best.model(), val.validation()).top1(),
                    1e-9, "the best checkpoint scores what best.json says");
        }
    }

    @Test
    void aRunStoppedMidEpochAndResumedEndsWithTheUninterruptedWeights() throws IOException {
        FinetuneConfig cfg = config(Map.of("epochs", "2", "mixup", "0.8", "cutmix", "1.0", "randAugment",
                RandAugmentSpec.MAE_FINETUNE, "reprob", "0.25"));
        Run whole = train(cfg, dir.resolve("whole"), new TrainingListener() {}, null);

        Trainer<?>[] trainer = new Trainer<?>[1];
        Path out = dir.resolve("parts");
        Files.createDirectories(out);
        ViTClassifier model = ViTClassifier.create(cfg.model(), cfg.globalPool(), cfg.numClasses(), DataType.FLOAT, cfg.seed());
        AdamW opt = Finetuning.optimizer(cfg, model);
        try (ClassificationData data = ClassificationData.open(new Shapes(512, 1), new Shapes(256, 2), cfg, MEAN, STD, 2,
                OnBadImage.FAIL)) {
            Finetuning f = new Finetuning(cfg, model, opt, data, new TrainingListener() {
                @Override
                public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
                    if (step == 21) {
                        trainer[0].requestStop();          // inside epoch 1 (16 batches an epoch)
                    }
                }
            }, out, DATA, null);
            trainer[0] = f.trainer();
            Trainer.Result r = f.trainer().run(TrainState.fresh());
            assertTrue(r.stoppedEarly());
            assertEquals(21, r.state().step());
        }
        Run resumed = train(cfg, out, new TrainingListener() {}, out.resolve(ClassifierCheckpoint.LAST));
        assertEquals(32, resumed.result().state().step());
        assertEquals(whole.model().params().values(), resumed.model().params().values(), "bit-identical weights");
    }
}
