package dev.maejvm.finetune.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.finetune.cls.ClassificationData;
import dev.maejvm.finetune.cls.FinetuneConfig;
import dev.maejvm.finetune.cls.FinetuningTest;
import dev.maejvm.finetune.cls.Shapes;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.config.Configs;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.VisionTransformer;
import dev.maejvm.vit.weights.LoadOptions;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The probe on {@link Shapes}: a random frozen encoder's features do not solve it; the encoder
 * after fine-tuning does, and probing it reaches high accuracy; the frozen encoder is bit-identical
 * after probing; everything on the probe's path trained (no frozen random fc_norm).
 */
class LinearProbeTest {
    static final float[] MEAN = {0.2f};
    static final float[] STD = {0.3f};

    @TempDir
    Path dir;

    static LinprobeConfig config() {
        LinprobeConfig base = LinprobeConfig.defaults("micro", "test", MaeConfig.preset("micro").encoder(), 4);
        return Configs.with(base, Map.of("epochs", "30", "batchSize", "64", "lr", "3", "warmupEpochs", "3", "evalEvery", "30",
                "checkpointEvery", "30"));
    }

    /** Probes an encoder store; returns the best validation top-1. */
    static double probe(ParamStore encoderStore, VisionTransformer encoder, Path out, ProbeHead[] headOut) throws IOException {
        LinprobeConfig cfg = config();
        Transform t = ClassificationData.evaluationTransform(16, 1, 1.0, MEAN, STD);
        FeatureExtractor fx = new FeatureExtractor(encoder, GlobalPool.TOKEN, 64, 2);
        FeatureExtractor.Features train = FeatureCache.get(out.resolve("features-train.safetensors"), "k", fx, new Shapes(512, 1), t);
        FeatureExtractor.Features val = FeatureCache.get(out.resolve("features-val.safetensors"), "k", fx, new Shapes(256, 2), t);
        ProbeHead head = new ProbeHead(encoder.config().embedDim(), 4, 0);
        headOut[0] = head;
        LinearProbe p = new LinearProbe(cfg, encoderStore, head, LinearProbe.optimizer(cfg, head), train, val,
                new TrainingListener() {}, out, new Checkpoint.DataInfo("shapes", MEAN, STD), null);
        p.trainer().run(TrainState.fresh());
        return p.best().best();
    }

    @Test
    void aRandomEncoderFailsTheFineTunedOneIsProbedToHighAccuracyAndStaysFrozen() throws IOException {
        ParamStore random = LinearProbe.encoderStore();
        VisionTransformer randomEncoder = LinearProbe.encoder(config().model(), random, 5);
        INDArray before = random.values().dup();
        ProbeHead[] head = new ProbeHead[1];
        double randomTop1 = probe(random, randomEncoder, java.nio.file.Files.createDirectories(dir.resolve("random")), head);
        assertEquals(before, random.values(), "the frozen encoder is bit-identical after probing");

        FinetuneConfig ft = Configs.with(FinetuningTest.config(Map.of()), Map.of("globalPool", "TOKEN"));
        FinetuningTest.Run tuned = FinetuningTest.train(ft, dir.resolve("ft"), new TrainingListener() {}, null);
        ParamStore tunedStore = LinearProbe.encoderStore();
        VisionTransformer tunedEncoder = LinearProbe.encoder(config().model(), tunedStore, 5);
        StateDict.load(tunedStore, StateDict.of(tuned.model().params()), LoadOptions.LENIENT);
        ProbeHead[] tunedHead = new ProbeHead[1];
        ProbeHead untrained = new ProbeHead(tunedEncoder.config().embedDim(), 4, 0);
        double tunedTop1 = probe(tunedStore, tunedEncoder, java.nio.file.Files.createDirectories(dir.resolve("tuned")), tunedHead);

        System.out.println("probe top-1: random encoder " + randomTop1 + ", fine-tuned encoder " + tunedTop1);
        assertTrue(tunedTop1 >= 90, "probe of the fine-tuned encoder: " + tunedTop1);
        assertTrue(randomTop1 <= tunedTop1 - 15, "a random encoder must not solve the task: " + randomTop1 + " vs " + tunedTop1);
        for (Param p : tunedHead[0].params().params()) {
            assertNotEquals(untrained.params().get(p.name()).value(), p.value(), p.name() + " trained");
        }
        assertNotEquals(0.0, tunedHead[0].batchNorm().runningMean().amaxNumber().doubleValue(), "BatchNorm statistics tracked");
    }

    @Test
    void aProbeStoppedMidEpochAndResumedEndsWithTheUninterruptedHead() throws IOException {
        LinprobeConfig cfg = Configs.with(config(), Map.of("epochs", "3", "evalEvery", "3", "checkpointEvery", "3"));
        ParamStore store = LinearProbe.encoderStore();
        VisionTransformer encoder = LinearProbe.encoder(cfg.model(), store, 5);
        Transform t = ClassificationData.evaluationTransform(16, 1, 1.0, MEAN, STD);
        FeatureExtractor fx = new FeatureExtractor(encoder, GlobalPool.TOKEN, 64, 2);
        FeatureExtractor.Features train = fx.extract(new Shapes(512, 1), t);
        Checkpoint.DataInfo info = new Checkpoint.DataInfo("shapes", MEAN, STD);

        ProbeHead whole = new ProbeHead(32, 4, 0);
        new LinearProbe(cfg, store, whole, LinearProbe.optimizer(cfg, whole), train, null, new TrainingListener() {},
                java.nio.file.Files.createDirectories(dir.resolve("whole")), info, null).trainer().run(TrainState.fresh());

        Path out = java.nio.file.Files.createDirectories(dir.resolve("parts"));
        ProbeHead first = new ProbeHead(32, 4, 0);
        dev.maejvm.train.Trainer<?>[] trainer = new dev.maejvm.train.Trainer<?>[1];
        LinearProbe p = new LinearProbe(cfg, store, first, LinearProbe.optimizer(cfg, first), train, null, new TrainingListener() {
            @Override
            public void stepEnded(long step, int epoch, Map<String, Double> metrics) {
                if (step == 11) {
                    trainer[0].requestStop();                   // inside epoch 1 (8 batches an epoch)
                }
            }
        }, out, info, null);
        trainer[0] = p.trainer();
        assertTrue(p.trainer().run(TrainState.fresh()).stoppedEarly());

        ProbeHead resumed = new ProbeHead(32, 4, 9);                  // another init: the checkpoint must overwrite it
        var opt = LinearProbe.optimizer(cfg, resumed);
        TrainState at = LinearProbe.restore(out.resolve(LinearProbe.LAST), rebuilt(cfg), resumed, opt).state();
        assertEquals(11, at.step());
        new LinearProbe(cfg, store, resumed, opt, train, null, new TrainingListener() {}, out, info, null).trainer().run(at);
        assertEquals(whole.params().values(), resumed.params().values(), "bit-identical head");
        assertEquals(whole.batchNorm().runningMean(), resumed.batchNorm().runningMean(), "and BatchNorm statistics");
        assertEquals(whole.batchNorm().runningVar(), resumed.batchNorm().runningVar());
    }

    /** A fresh encoder store of the config (the restore checks and loads the checkpoint's encoder into it). */
    private static ParamStore rebuilt(LinprobeConfig cfg) {
        ParamStore s = LinearProbe.encoderStore();
        LinearProbe.encoder(cfg.model(), s, 0);
        return s;
    }
}
