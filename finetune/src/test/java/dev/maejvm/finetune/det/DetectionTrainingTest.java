package dev.maejvm.finetune.det;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.decode.ImageDecoder;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.finetune.det.eval.CocoGroundTruth;
import dev.maejvm.finetune.det.eval.CocoGroundTruthJson;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.ViTConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The detector learns a small synthetic task end to end (COCO files in, COCO AP out): 32 x 32
 * scenes with one or two bright boxes, class 1 wide, class 2 tall, of 6 to 16 pixels. A random
 * detector finds nothing; after training AP50 is high; checkpoints reload to identical outputs.
 */
class DetectionTrainingTest {
    @TempDir
    static Path dir;
    static CocoDataset train;
    static CocoDataset val;
    static CocoGroundTruth truth;

    /** n scenes and their COCO annotations in dir/name. */
    static Path scenes(Path dir, String name, int n, long seed) throws IOException {
        Path images = Files.createDirectories(dir.resolve(name));
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder imgs = new StringBuilder();
        StringBuilder anns = new StringBuilder();
        int annId = 1;
        for (int i = 0; i < n; i++) {
            BufferedImage im = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    im.getRaster().setSample(x, y, 0, r.nextInt(30));
                }
            }
            int objects = 1 + r.nextInt(2);
            List<int[]> placed = new ArrayList<>();
            for (int o = 0; o < objects; o++) {
                int cat = 1 + r.nextInt(2);
                int longSide = 10 + r.nextInt(7);
                int shortSide = 5 + r.nextInt(2);
                int w = cat == 1 ? longSide : shortSide;
                int h = cat == 1 ? shortSide : longSide;
                int x0 = r.nextInt(32 - w + 1);
                int y0 = r.nextInt(32 - h + 1);
                boolean clash = placed.stream().anyMatch(p -> x0 < p[0] + p[2] + 1 && p[0] < x0 + w + 1 && y0 < p[1] + p[3] + 1
                        && p[1] < y0 + h + 1);
                if (clash) {
                    continue;
                }
                placed.add(new int[] {x0, y0, w, h});
                for (int y = y0; y < y0 + h; y++) {
                    for (int x = x0; x < x0 + w; x++) {
                        im.getRaster().setSample(x, y, 0, 200 + r.nextInt(55));
                    }
                }
                anns.append(anns.isEmpty() ? "" : ",").append(String.format("{\"id\": %d, \"image_id\": %d, \"category_id\": %d, "
                        + "\"bbox\": [%d, %d, %d, %d], \"area\": %d, \"iscrowd\": 0}", annId++, i + 1, cat, x0, y0, w, h, w * h));
            }
            String file = String.format("%04d.png", i);
            ImageIO.write(im, "png", images.resolve(file).toFile());
            imgs.append(imgs.isEmpty() ? "" : ",").append(String.format("{\"id\": %d, \"file_name\": \"%s\", \"width\": 32, \"height\": 32}",
                    i + 1, file));
        }
        Path json = dir.resolve(name + ".json");
        Files.writeString(json, "{\"images\": [" + imgs + "], \"annotations\": [" + anns + "], \"categories\": "
                + "[{\"id\": 1, \"name\": \"wide\"}, {\"id\": 2, \"name\": \"tall\"}]}");
        return json;
    }

    @BeforeAll
    static void data() throws IOException {
        Path t = scenes(dir, "train", 96, 1);
        Path v = scenes(dir, "val", 24, 2);
        train = new CocoDataset(t, dir.resolve("train"), new ImageDecoder());
        val = new CocoDataset(v, dir.resolve("val"), new ImageDecoder());
        truth = CocoGroundTruthJson.read(v);
    }

    static DetectConfig config(int epochs) {
        ViTConfig enc = new ViTConfig(32, 32, 4, 1, 32, 2, 2, 4.0, 0, ViTConfig.PosEmbedKind.LEARNED);
        return dev.maejvm.train.config.Configs.with(DetectConfig.defaults("micro", "", enc, CategoryMap.of(java.util.Map.of(
                1, "wide", 2, "tall"))), java.util.Map.ofEntries(java.util.Map.entry("windowSize", "4"),
                java.util.Map.entry("globalBlocks", "1"), java.util.Map.entry("channels", "32"), java.util.Map.entry("headConvs", "2"),
                java.util.Map.entry("epochs", Integer.toString(epochs)), java.util.Map.entry("batchSize", "8"),
                java.util.Map.entry("lr", "2e-3"), java.util.Map.entry("warmupEpochs", "0.5"), java.util.Map.entry("weightDecay", "0.05"),
                java.util.Map.entry("layerDecay", "1.0"), java.util.Map.entry("scaleMin", "0.8"), java.util.Map.entry("scaleMax", "1.25"),
                java.util.Map.entry("maxDetections", "20"), java.util.Map.entry("topkCandidates", "100"),
                java.util.Map.entry("evalEvery", Integer.toString(epochs))));
    }

    private static final float[] MEAN = {0.1f};
    private static final float[] STD = {0.3f};

    @Test
    void learnsToDetectAndItsCheckpointReloadsToIdenticalOutputs() throws IOException {
        DetectConfig cfg = config(12);
        CategoryMap categories = CategoryMap.of(train.categories());
        Detector model = Detector.create(cfg, DataType.FLOAT, cfg.seed());
        AdamW optimizer = DetectionTraining.optimizer(cfg, model);
        Path out = Files.createDirectories(dir.resolve("out"));
        double before;
        try (DetectionData dd = DetectionData.open(train, val, cfg, MEAN, STD, 2, OnBadImage.FAIL)) {
            before = DetectionEvaluator.evaluate(model, val, truth, dd.validation(), categories).metrics().get("AP50");
            List<Double> losses = new ArrayList<>();
            DetectionTraining training = new DetectionTraining(cfg, model, optimizer, dd, val, truth, categories,
                    new TrainingListener() {
                        @Override
                        public void stepEnded(long step, int epoch, java.util.Map<String, Double> metrics) {
                            if (metrics.containsKey("loss")) {
                                losses.add(metrics.get("loss"));
                            }
                        }
                    }, out, new Checkpoint.DataInfo("scenes", MEAN, STD), null);
            Trainer.Result result = training.trainer().run(TrainState.fresh());
            double first = losses.subList(0, 6).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(losses.size() - 6, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertTrue(last < 0.6 * first, "the loss falls: " + first + " -> " + last);
            double after = training.best().best();
            assertTrue(before < 5, "a random detector finds almost nothing: AP50 " + before);
            DetectionEvaluator.Result r = DetectionEvaluator.evaluate(model, val, truth, dd.validation(), categories);
            assertTrue(r.metrics().get("AP50") > 60, "AP50 after training: " + r.metrics());
            assertTrue(after >= r.metrics().get("AP") - 1e-9, "the best checkpoint is at least the last AP");
            assertTrue(result.state().step() > 0);

            Detector reloaded = DetectorCheckpoint.load(out.resolve(DetectorCheckpoint.LAST)).model();
            var batch = dd.validation().epoch(0).next();
            var a = model.forward(batch.images(), Ctx.eval());
            float[] la = a.logits().dup().data().asFloat();
            var b = reloaded.forward(batch.images(), Ctx.eval());
            assertArrayEquals(la, b.logits().dup().data().asFloat(), "the checkpoint reloads to identical outputs");
        }
        assertEquals(true, Files.isRegularFile(out.resolve("best.json")));
    }
}
