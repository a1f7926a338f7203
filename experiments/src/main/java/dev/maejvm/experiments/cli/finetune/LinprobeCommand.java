package dev.maejvm.experiments.cli.finetune;

import static dev.maejvm.experiments.cli.ConfigOverrides.put;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Transform;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.experiments.cli.ConfigOverrides;
import dev.maejvm.experiments.cli.DataParallel;
import dev.maejvm.experiments.cli.TransferRun;
import dev.maejvm.experiments.tracking.TrackingOptions;
import dev.maejvm.finetune.PretrainedEncoder;
import dev.maejvm.finetune.cls.ClassificationData;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.finetune.probe.FeatureCache;
import dev.maejvm.finetune.probe.LinearProbe;
import dev.maejvm.finetune.probe.LinprobeConfig;
import dev.maejvm.finetune.probe.ProbeHead;
import dev.maejvm.pretrain.data.MaeDataRecipe;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.config.Configs;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.Lars;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.VisionTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mae linprobe}: the official linear probe of a frozen pretrained encoder. Without --data:
 * Fashion-MNIST train, validated on its test set.
 */
@Command(name = "linprobe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Linear probe of a frozen pretrained encoder (main_linprobe.py): BatchNorm without affine + a linear"
            + " head, LARS, on the encoder's features (computed once and cached in --out).",
            "Without --data: Fashion-MNIST, validated on its test set. A checkpoint found in --out is resumed."})
public final class LinprobeCommand implements Callable<Integer> {
    @Option(names = "--pretrained", paramLabel = "FILE", description = "A pretraining checkpoint, or timm-named encoder weights with --preset.")
    Path pretrained;

    @Option(names = "--preset", description = "The encoder's preset (for plain safetensors weights); a checkpoint of another is refused.")
    String preset;

    @Option(names = "--data", description = "Labelled training images. Default: Fashion-MNIST train.")
    Path data;

    @Option(names = "--val-data", description = "Labelled validation images. Default: Fashion-MNIST test without --data.")
    Path valData;

    @Option(names = "--nb-classes", description = "Classes of the head. Default: the training data's.")
    Integer numClasses;

    @Option(names = "--global-pool", description = "token: the cls token (official); avg: the mean of the patch tokens after the encoder's final norm.")
    String globalPool;

    @Option(names = "--epochs", description = "Epochs. Default: 90.")
    Integer epochs;

    @Option(names = "--max-steps", description = "Stop after this many steps.")
    Long maxSteps;

    @Option(names = "--batch-size", description = "Features per step. Default: 4096.")
    Integer batchSize;

    @Option(names = "--blr", description = "Base lr: lr = blr * batch / 256. Default: 0.1.")
    Double blr;

    @Option(names = "--lr", description = "Absolute lr (overrides --blr).")
    Double lr;

    @Option(names = "--warmup-epochs", description = "Linear warm-up. Default: 10.")
    Double warmupEpochs;

    @Option(names = "--weight-decay", description = "LARS weight decay (not on 1-D tensors). Default: 0.")
    Double weightDecay;

    @Option(names = "--seed", description = "Seeds the head's init and the order of the features. Default: 0.")
    Long seed;

    @Option(names = "--eval-every", description = "Validate every N epochs (and after the last). Default: 10.")
    Integer evalEvery;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any config key (those of config.json).")
    List<String> set = new ArrayList<>();

    @Option(names = "--out", defaultValue = "runs/linprobe", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "Output folder: cached features, checkpoints, log.txt, run journal.")
    Path out;

    @Option(names = "--workers", description = "Data loader threads for the feature pass. Default: the number of cores.")
    Integer workers;

    @Mixin
    TrackingOptions tracking;

    static final List<String> RESUMABLE = List.of("epochs", "maxSteps", "evalEvery", "checkpointEvery");

    private Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "globalPool", globalPool == null ? null : globalPool.toUpperCase(java.util.Locale.ROOT));
        put(m, "epochs", epochs);
        put(m, "maxSteps", maxSteps);
        put(m, "batchSize", batchSize);
        put(m, "blr", blr);
        put(m, "lr", lr);
        put(m, "warmupEpochs", warmupEpochs);
        put(m, "weightDecay", weightDecay);
        put(m, "seed", seed);
        put(m, "evalEvery", evalEvery);
        return ConfigOverrides.withSet(m, set);
    }

    @Override
    public Integer call() throws Exception {
        DataParallel job = DataParallel.open();
        Path last = out.resolve(LinearProbe.LAST);
        Dataset train = Datasets.open(data != null ? data : FashionMnist.trainImages(), true);
        Path valPath = valData != null ? valData : data == null ? FashionMnist.testImages() : null;
        Dataset val = valPath == null ? null : Datasets.open(valPath, true);
        ClassificationData.requireLabels(train, Integer.MAX_VALUE);
        Checkpoint.Info resumed = Files.isRegularFile(last) ? Checkpoint.info(last, Checkpoint.Kind.LINPROBE) : null;
        LinprobeConfig cfg = resumed == null ? null
                : LinprobeConfig.fromFlat(ConfigOverrides.resumed(resumed.config(), given(), RESUMABLE));
        if (cfg != null && pretrained == null) {
            pretrained = Path.of(cfg.pretrained());           // the features and the checkpoint's encoder came from it
        } else if (pretrained == null) {
            throw new IllegalArgumentException("give --pretrained FILE: the encoder to probe (a pretraining checkpoint or"
                    + " encoder weights)");
        }
        PretrainedEncoder.Source source = PretrainedEncoder.inspect(pretrained, preset);
        if (cfg == null) {
            int k = numClasses != null ? numClasses : train.numClasses();
            cfg = Configs.with(LinprobeConfig.defaults(source.preset(), pretrained.toAbsolutePath().toString(), source.encoder(), k),
                    given());
        }
        ClassificationData.requireLabels(train, cfg.numClasses());
        ClassificationData.requireLabels(val, cfg.numClasses());
        float[][] norm = source.mean() != null ? new float[][] {source.mean(), source.std()}
                : MaeDataRecipe.statistics(train, data == null, cfg.model());
        if (cfg.batchSize() < 2 * job.group().size()) {             // BatchNorm's batch variance needs 2 rows a rank
            throw new IllegalArgumentException("--batch-size " + cfg.batchSize() + " is the global batch, split over "
                    + job.group().size() + " ranks, and the probe's BatchNorm needs at least 2 examples a rank: give at least "
                    + 2 * job.group().size());
        }
        Files.createDirectories(out);
        if (job.root()) {
            System.err.println("mae linprobe: resolved config");
            cfg.flatten().forEach((key, v) -> System.err.printf("  %-24s %s%n", key, v));
            System.err.printf("  actual lr %.3e = blr * %d / 256 (LARS)%n", cfg.actualLr(), cfg.batchSize());
            System.err.printf("  data-parallel: %s%n", job.describe(cfg.batchSize()));
            Files.writeString(out.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(cfg.flatten()));
        }

        ParamStore encoderStore = LinearProbe.encoderStore();
        VisionTransformer encoder = LinearProbe.encoder(cfg.model(), encoderStore, 0);
        var report = PretrainedEncoder.load(source, encoderStore, cfg.model(), name -> false);
        if (job.root()) {
            System.err.printf("loaded the %s encoder from %s (%d file keys skipped%s)%n", source.preset(), source.file(),
                    report.unexpected().size(), report.interpolated().isEmpty() ? "" : "; interpolated " + report.interpolated());
        }
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        Transform t = ClassificationData.evaluationTransform(cfg.model().imgSize(), cfg.model().inChans(), 0.875, norm[0], norm[1]);
        FeatureExtractor fx = new FeatureExtractor(encoder, cfg.globalPool(), 128, threads);
        String key = source.file().toAbsolutePath() + "|" + cfg.globalPool() + "|";
        // rank 0 extracts and caches the features; the others then read its cache (a shared --out)
        if (!job.root()) {
            job.group().barrier();
        }
        FeatureExtractor.Features trainF = FeatureCache.get(out.resolve("features-train.safetensors"), key + train.describe(), fx,
                train, t);
        FeatureExtractor.Features valF = val == null ? null
                : FeatureCache.get(out.resolve("features-val.safetensors"), key + val.describe(), fx, val, t);
        if (job.root()) {
            job.group().barrier();
        }
        if (job.root()) {
            System.err.printf("features: %d training, %d validation (%s)%n", trainF.size(), valF == null ? 0 : valF.size(),
                    trainF.seconds() > 0 ? String.format("%.0f images/s", trainF.perSecond()) : "cached");
        }

        ProbeHead head = new ProbeHead(cfg.model().embedDim(), cfg.numClasses(), cfg.seed());
        Lars optimizer = LinearProbe.optimizer(cfg, head);
        TrainState start = resumed == null ? TrainState.fresh() : LinearProbe.restore(last, encoderStore, head, optimizer).state();
        long totalSteps = cfg.loop().totalSteps(trainF.size() / cfg.batchSize());
        if (TransferRun.nothingToDo(job, start, totalSteps)) {
            return 0;
        }
        TransferRun run = TransferRun.open(job, tracking, totalSteps);
        TrainingListener listener = run.listener();
        Map<String, String> tags = TransferRun.tags(train.describe(), null, source, null);
        TrainState begin = run.session().start(new RunStart("linprobe", "linprobe-" + cfg.preset(),
                job.tracked(cfg.tracked(), cfg.batchSize()), tags, out,
                start.runId(), start.step()), start);
        LinearProbe probe = new LinearProbe(cfg, encoderStore, head, optimizer, trainF, valF, listener, out,
                new Checkpoint.DataInfo(train.describe(), norm[0], norm[1]),
                (epoch, r) -> System.err.printf("%nepoch %d: val top-1 %.2f %%, top-5 %.2f %%, loss %.4f%n", epoch, r.top1(),
                        r.top5(), r.loss()), job.group());
        run.session().run(probe.trainer(), begin, totalSteps, result -> run.printDone(result, probe.best(), "val top-1", " %", null,
                last, out.resolve("log.txt"), List.of()));
        return 0;
    }
}
