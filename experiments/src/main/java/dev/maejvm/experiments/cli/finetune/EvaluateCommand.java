package dev.maejvm.experiments.cli.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.finetune.cls.ClassificationData;
import dev.maejvm.finetune.cls.ClassifierCheckpoint;
import dev.maejvm.finetune.cls.ValidationEvaluator;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.finetune.probe.LinearProbe;
import dev.maejvm.finetune.probe.ProbeEvaluator;
import dev.maejvm.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mae evaluate}: top-1 / top-5 and the loss of a classifier checkpoint (fine-tuned or probe) on labelled images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Top-1, top-5 and cross-entropy of a finetune or linprobe checkpoint on labelled images, with a confusion matrix.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./mae finetune or ./mae linprobe.")
    Path checkpoint;

    @Option(names = "--data", description = "Labelled images. Default: Fashion-MNIST's test set.")
    Path data;

    @Option(names = "--out", description = "Folder for result.json and confusion.png. Default: print only.")
    Path out;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--workers", description = "Loader threads. Default: the number of cores.")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        Dataset ds = Datasets.open(data != null ? data : FashionMnist.testImages(), true);
        Checkpoint.Info info = Checkpoint.info(checkpoint);
        long start = System.nanoTime();
        ValidationEvaluator.Result r;
        if (info.kind() == Checkpoint.Kind.FINETUNE) {
            ClassifierCheckpoint.Loaded c = ClassifierCheckpoint.load(checkpoint);
            ClassificationData.requireLabels(ds, c.config().numClasses());
            try (DataLoader loader = ClassificationData.evaluationLoader(ds, c.config().model().imgSize(),
                    c.config().model().inChans(), c.config().evalCropPct(), info.mean(), info.std(), batchSize, threads,
                    OnBadImage.FAIL)) {
                r = ValidationEvaluator.evaluate(c.model(), loader);
            }
        } else if (info.kind() == Checkpoint.Kind.LINPROBE) {
            LinearProbe.Loaded p = LinearProbe.load(checkpoint);
            ClassificationData.requireLabels(ds, p.config().numClasses());
            FeatureExtractor fx = new FeatureExtractor(p.encoderModel(), p.config().globalPool(), batchSize, threads);
            FeatureExtractor.Features f = fx.extract(ds, ClassificationData.evaluationTransform(p.config().model().imgSize(),
                    p.config().model().inChans(), 0.875, info.mean(), info.std()));
            r = ProbeEvaluator.evaluate(p.head(), f.features(), f.labels());
        } else {
            throw new IllegalArgumentException(checkpoint + " is a " + info.kind().label() + " checkpoint; evaluate takes"
                    + " finetune and linprobe checkpoints (a pretrained encoder: ./mae knn or ./mae linprobe)");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s on %s: top-1 %.2f %%, top-5 %.2f %%, loss %.4f (%d images, %.1f s)%n", checkpoint, ds.describe(),
                r.top1(), r.top5(), r.loss(), r.examples(), seconds);
        if (out != null) {
            Files.createDirectories(out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("checkpoint", checkpoint.toAbsolutePath().toString());
            json.put("data", ds.describe());
            json.put("top1", r.top1());
            json.put("top5", r.top5());
            json.put("loss", r.loss());
            json.put("images", r.examples());
            json.put("seconds", seconds);
            json.put("confusion", r.confusion());
            Files.writeString(out.resolve("result.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
            ConfusionMatrixPicture.write(r.confusion(), ds.classNames(), String.format("top-1 %.2f %%", r.top1()),
                    out.resolve("confusion.png"));
        }
        return 0;
    }
}
