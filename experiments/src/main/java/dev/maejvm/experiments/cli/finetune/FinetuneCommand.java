package dev.maejvm.experiments.cli.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.experiments.cli.ConfigOverrides;
import dev.maejvm.experiments.cli.DataParallel;
import dev.maejvm.experiments.cli.TransferRun;
import dev.maejvm.experiments.tracking.TrackingOptions;
import dev.maejvm.finetune.PretrainedEncoder;
import dev.maejvm.finetune.cls.ClassificationData;
import dev.maejvm.finetune.cls.ClassifierCheckpoint;
import dev.maejvm.finetune.cls.FinetuneConfig;
import dev.maejvm.finetune.cls.Finetuning;
import dev.maejvm.finetune.cls.ValidationEvaluator;
import dev.maejvm.pretrain.data.MaeDataRecipe;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.NonFiniteLossException;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.config.Configs;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.weights.LoadReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mae finetune}: transfer of a pretrained encoder to classification with the official
 * recipe, or the same model and recipe from random initialisation ({@code --from-scratch}).
 * Without --data: Fashion-MNIST's training set, validated on its 10,000 test images.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a pretrained encoder for classification (main_finetune.py's recipe), or train the same"
            + " model from scratch.",
            "Without --data: Fashion-MNIST (Debian's dataset-fashion-mnist), validated on its test set.",
            "A checkpoint found in --out is resumed."})
public final class FinetuneCommand implements Callable<Integer> {

    static final class Init {
        @Option(names = "--pretrained", paramLabel = "FILE",
                description = "A pretraining checkpoint (./mae pretrain's checkpoint-last.safetensors) or timm-named encoder weights (safetensors, with --preset).")
        Path pretrained;

        @Option(names = "--from-scratch", description = "The same model and recipe from random initialisation (the baseline).")
        boolean fromScratch;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Init init = new Init();

    @Option(names = "--preset", description = "The model preset: needed for plain safetensors weights and --from-scratch (default tiny); a checkpoint of another preset is refused.")
    String preset;

    @Option(names = "--data", description = "Labelled training images: class folders, a list file with labels, IDX images with their labels file beside them, CIFAR. Default: Fashion-MNIST train.")
    Path data;

    @Option(names = "--val-data", description = "Labelled validation images. Default: Fashion-MNIST test without --data; none otherwise.")
    Path valData;

    @Option(names = "--nb-classes", description = "Classes of the head. Default: the training data's.")
    Integer numClasses;

    @Option(names = "--input-size", description = "Input side in pixels (the position table is interpolated). Default: the encoder's.")
    Integer inputSize;

    @Option(names = "--out", defaultValue = "runs/finetune", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "Output folder: checkpoints, log.txt, confusion matrices, run journal.")
    Path out;

    @Option(names = "--resume", description = "Checkpoint to resume (default: the one in --out, if any).")
    Path resume;

    @Option(names = "--workers", description = "Data loader threads. Default: the number of cores.")
    Integer workers;

    @Option(names = "--on-bad-image", defaultValue = "fail", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "fail: stop at an unreadable image (naming it); skip: skip it and list it at the end.")
    String onBadImage;

    @Mixin
    FinetuneOptions options;

    @Mixin
    TrackingOptions tracking;

    private DataParallel job;

    @Override
    public Integer call() throws Exception {
        job = DataParallel.open();
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        OnBadImage bad = OnBadImage.parse(onBadImage);
        Optional<Path> checkpoint = resume != null ? Optional.of(resume) : ClassifierCheckpoint.find(out);
        Dataset train = Datasets.open(data != null ? data : FashionMnist.trainImages(), true);
        Path valPath = valData != null ? valData : data == null ? FashionMnist.testImages() : null;
        Dataset val = valPath == null ? null : Datasets.open(valPath, true);
        ClassificationData.requireLabels(train, Integer.MAX_VALUE);

        FinetuneConfig cfg;
        PretrainedEncoder.Source source = null;
        float[][] norm;
        Checkpoint.Info resumed = null;
        if (checkpoint.isPresent()) {
            resumed = Checkpoint.info(checkpoint.get(), Checkpoint.Kind.FINETUNE);
            cfg = FinetuneConfig.fromFlat(ConfigOverrides.resumed(resumed.config(), options.given(),
                    FinetuneOptions.RESUMABLE_CHANGES));
            norm = new float[][] {resumed.mean(), resumed.std()};
        } else {
            if (init.pretrained == null && !init.fromScratch) {
                throw new IllegalArgumentException("give --pretrained FILE (a pretraining checkpoint or encoder weights) or"
                        + " --from-scratch (the baseline)");
            }
            ViTConfig encoder;
            String presetName;
            if (init.pretrained != null) {
                source = PretrainedEncoder.inspect(init.pretrained, preset);
                encoder = source.encoder();
                presetName = source.preset();
            } else {
                presetName = preset != null ? preset : "tiny";
                encoder = MaeConfig.preset(presetName).encoder();
            }
            if (inputSize != null) {
                encoder = encoder.withImgSize(inputSize, inputSize);
            }
            int k = numClasses != null ? numClasses : train.numClasses();
            FinetuneConfig base = FinetuneConfig.defaults(presetName,
                    init.pretrained == null ? "" : init.pretrained.toAbsolutePath().toString(), encoder, k);
            cfg = Configs.with(base, options.given());
            norm = source != null && source.mean() != null ? new float[][] {source.mean(), source.std()}
                    : MaeDataRecipe.statistics(train, data == null, cfg.model());
        }
        job.requireBatch(cfg.batchSize(), "--batch-size");
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        Files.createDirectories(out);
        if (job.root()) {
            printResolved(cfg, checkpoint, norm);
            Files.writeString(out.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(cfg.flatten()));
        }

        ViTClassifier model = ViTClassifier.create(cfg.model(), cfg.globalPool(), cfg.numClasses(), DataType.FLOAT, cfg.seed());
        AdamW optimizer = Finetuning.optimizer(cfg, model);
        TrainState start = TrainState.fresh();
        if (resumed != null) {
            start = ClassifierCheckpoint.restore(checkpoint.get(), model, optimizer).state();      // every rank reads it
            if (job.root()) {
                System.err.printf("resuming from %s: epoch %d, step %d%n", checkpoint.get(), start.epoch(), start.step());
            }
        } else if (source != null) {
            LoadReport report = PretrainedEncoder.load(source, model);
            if (job.root()) {
                printLoad(report, source);
            }
        }
        try (ClassificationData cd = ClassificationData.open(train, val, cfg, norm[0], norm[1], threads, bad, job.split())) {
            return train(cfg, model, optimizer, start, cd, source, resumed);
        }
    }

    private int train(FinetuneConfig cfg, ViTClassifier model, AdamW optimizer, TrainState start, ClassificationData cd,
                      PretrainedEncoder.Source source, Checkpoint.Info resumed) throws IOException {
        long totalSteps = cfg.loop().totalSteps(cd.train().batchesPerEpoch());
        if (TransferRun.nothingToDo(job, start, totalSteps)) {
            return 0;
        }
        TransferRun run = TransferRun.open(job, tracking, totalSteps);
        TrainingListener listener = run.listener();
        Map<String, String> tags = TransferRun.tags(cd.train().describe(), cfg.fromScratch(), source,
                resumed != null && !cfg.fromScratch() ? cfg.pretrained() : null);
        TrainState begin = run.session().start(new RunStart("finetune", (cfg.fromScratch() ? "scratch-" : "finetune-") + cfg.preset(),
                job.tracked(cfg.tracked(), cfg.batchSize()), tags, out, start.runId(), start.step()), start);
        listener.artifactWritten(out.resolve("config.json"), "");
        Checkpoint.DataInfo dataInfo = new Checkpoint.DataInfo(cd.train().describe(), cd.mean(), cd.std());
        List<String> classNames = cd.validation() == null ? List.of() : cd.validation().dataset().classNames();
        Finetuning finetuning = new Finetuning(cfg, model, optimizer, cd, listener, out, dataInfo, (epoch, r) -> {
            System.err.printf("%nepoch %d: val top-1 %.2f %%, top-5 %.2f %%, loss %.4f (%d images)%n", epoch, r.top1(), r.top5(),
                    r.loss(), r.examples());
            Path picture = out.resolve("confusion").resolve(String.format("epoch-%03d.png", epoch));
            try {
                ConfusionMatrixPicture.write(r.confusion(), classNames,
                        String.format("epoch %d: top-1 %.2f %%", epoch, r.top1()), picture);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            listener.artifactWritten(picture, "confusion");
        }, job.group());
        try {
            run.session().run(finetuning.trainer(), begin, totalSteps, result -> run.printDone(result, finetuning.best(), "val top-1",
                    " %", out.resolve(ClassifierCheckpoint.BEST), out.resolve(ClassifierCheckpoint.LAST), out.resolve("log.txt"),
                    cd.train().skipped()));
            return 0;
        } catch (NonFiniteLossException e) {
            System.err.println((job.distributed() ? "rank " + job.group().rank() + ": " : "") + "error: " + e.getMessage()
                    + " Checkpoint: " + out.resolve(ClassifierCheckpoint.LAST));
            return 1;
        }
    }

    private void printResolved(FinetuneConfig cfg, Optional<Path> checkpoint, float[][] norm) {
        System.err.println("mae finetune: resolved config");
        cfg.flatten().forEach((k, v) -> System.err.printf("  %-24s %s%n", k, v));
        System.err.printf("  base lr (blr) %.3e, actual lr %.3e = blr * %d / 256; layer decay %.2f over %d blocks%n",
                cfg.blr(), cfg.actualLr(), cfg.effectiveBatch(), cfg.layerDecay(), cfg.model().depth());
        System.err.printf("  data-parallel: %s%n", job.describe(cfg.batchSize()));
        System.err.printf("  normalisation mean %s std %s; output %s%s%n", java.util.Arrays.toString(norm[0]),
                java.util.Arrays.toString(norm[1]), out.toAbsolutePath(), checkpoint.map(c -> "; resuming " + c).orElse(""));
    }

    private static void printLoad(LoadReport r, PretrainedEncoder.Source source) {
        System.err.printf("loaded the %s encoder from %s%n", source.preset(), source.file());
        System.err.printf("  left at their init (allowed): %s%n", r.missing());
        System.err.printf("  in the file, not in the model (skipped): %d keys%s%n", r.unexpected().size(),
                r.unexpected().isEmpty() ? "" : " (" + String.join(", ", r.unexpected().subList(0, Math.min(6, r.unexpected().size())))
                        + (r.unexpected().size() > 6 ? ", ..." : "") + ")");
        if (!r.interpolated().isEmpty()) {
            System.err.printf("  interpolated to the model's grid (bicubic): %s%n", r.interpolated());
        }
    }
}
