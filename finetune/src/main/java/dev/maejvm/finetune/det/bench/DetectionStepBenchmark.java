package dev.maejvm.finetune.det.bench;

import dev.maejvm.data.Batch;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.CategoryMap;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.DetectionTask;
import dev.maejvm.finetune.det.DetectionTraining;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.finetune.det.model.DetectorFlops;
import dev.maejvm.pretrain.bench.PeakMemory;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One detection training step timed: the detector's forward, the FCOS targets and losses, the
 * backward through head, pyramid and backbone, ViTDet's AdamW update, on a fixed batch of random
 * images with a few random boxes each (the speed does not depend on what the pixels are). The
 * median of {@code steps} timed steps after {@code warmup} untimed ones.
 */
public final class DetectionStepBenchmark {
    /** @param flopsPerImage training FLOPs (3x the analytic forward) */
    public record Result(DetectConfig config, int batch, double medianStepS, double bestStepS, double imagesPerS,
                         double flopsPerImage, double gflopPerS, double peakRssMib, double loss) {}

    private final DetectConfig cfg;
    private final Detector model;
    private final AdamW optimizer;
    private final DetectionTask task;
    private final Batch batch;

    /** The preset's encoder at input x input with ViTDet's defaults and {@code classes} classes. */
    public DetectionStepBenchmark(String preset, int input, int batchSize, int classes) {
        ViTConfig enc = MaeConfig.preset(preset).encoder().withImgSize(input, input);
        DetectConfig d = DetectConfig.defaults(preset, "", enc, classes);
        this.cfg = dev.maejvm.train.config.Configs.with(d, Map.of("batchSize", Integer.toString(batchSize)));
        this.model = Detector.create(cfg, DataType.FLOAT, 0);
        this.optimizer = DetectionTraining.optimizer(cfg, model);
        Map<Integer, String> cats = new LinkedHashMap<>();
        for (int k = 1; k <= classes; k++) {
            cats.put(k, "class " + k);
        }
        this.task = new DetectionTask(model, CategoryMap.of(cats));
        SplittableRandom r = new SplittableRandom(1);
        INDArray imgs = Nd4j.rand(DataType.FLOAT, batchSize, enc.inChans(), input, input);
        List<List<BoundingBox>> boxes = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            List<BoundingBox> b = new ArrayList<>();
            for (int o = 0; o < 3; o++) {
                double w = input * (0.1 + 0.4 * r.nextDouble());
                double h = input * (0.1 + 0.4 * r.nextDouble());
                double x = r.nextDouble() * (input - w);
                double y = r.nextDouble() * (input - h);
                b.add(new BoundingBox(x, y, x + w, y + h, 1 + r.nextInt(classes)));
            }
            boxes.add(b);
        }
        this.batch = new Batch(imgs, new int[batchSize], java.util.Collections.nCopies(batchSize, "random"), 0, 0, boxes);
    }

    public DetectConfig config() {
        return cfg;
    }

    public Result measure(int warmup, int steps) {
        double[] times = new double[steps];
        double loss = 0;
        for (int s = -warmup; s < steps; s++) {
            long t0 = System.nanoTime();
            model.params().zeroGrads();
            loss = task.step(batch, Math.max(0, s), Ctx.train(0, Math.max(0, s))).loss();
            optimizer.update(1e-4);
            if (s >= 0) {
                times[s] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[steps / 2];
        double flops = 3 * DetectorFlops.forwardPerImage(cfg);
        int n = (int) batch.images().size(0);
        return new Result(cfg, n, median, sorted[0], n / median, flops, flops * n / median / 1e9, PeakMemory.peakRssMib(), loss);
    }
}
