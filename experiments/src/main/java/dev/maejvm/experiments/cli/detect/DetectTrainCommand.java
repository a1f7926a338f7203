package dev.maejvm.experiments.cli.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.transform.ChannelStats;
import dev.maejvm.experiments.cli.ConfigOverrides;
import dev.maejvm.experiments.cli.DataParallel;
import dev.maejvm.experiments.cli.TransferRun;
import dev.maejvm.experiments.tracking.TrackingOptions;
import dev.maejvm.finetune.PretrainedEncoder;
import dev.maejvm.finetune.det.CategoryMap;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.DetectionData;
import dev.maejvm.finetune.det.DetectionPicture;
import dev.maejvm.finetune.det.DetectionTraining;
import dev.maejvm.finetune.det.DetectorCheckpoint;
import dev.maejvm.finetune.det.eval.CocoGroundTruth;
import dev.maejvm.finetune.det.eval.CocoGroundTruthJson;
import dev.maejvm.finetune.det.model.Detector;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.NonFiniteLossException;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.config.Configs;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.weights.LoadReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mae detect train}: a ViTDet-style detector (plain ViT backbone with windowed attention,
 * simple feature pyramid, FCOS head) on COCO-format data, its backbone from a pretraining
 * checkpoint or from scratch; COCO AP on the validation set every {@code evalEvery} epochs, best
 * and last checkpoints, detection pictures, resumable, tracked with its lineage.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a ViTDet-style detector (windowed ViT backbone, simple feature pyramid, FCOS head) on COCO-format "
            + "data, from a pretraining checkpoint or from scratch.",
            "Without --data: the generated Fashion-MNIST scenes in runs/scenes (./mae detect make-scenes --out runs/scenes), "
            + "validated on their test split. A checkpoint found in --out is resumed. The resolved config is printed; "
            + "--set changes any key of config.json."})
public final class DetectTrainCommand implements Callable<Integer> {
    static final List<String> RESUMABLE = List.of("epochs", "maxSteps", "checkpointEvery", "evalEvery");

    static final class Init {
        @Option(names = "--pretrained", paramLabel = "FILE", description = "A pretraining checkpoint (or timm-named encoder weights with --preset).")
        Path pretrained;

        @Option(names = "--from-scratch", description = "The same detector from random initialisation (the baseline).")
        boolean fromScratch;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Init init = new Init();

    @Option(names = "--preset", description = "The encoder's preset for --from-scratch or plain weights (default tiny).")
    String preset;

    @Option(names = "--data", description = "COCO annotations JSON of the training images (images beside it). Default: runs/scenes.")
    Path data;

    @Option(names = "--val-data", description = "COCO annotations JSON of the validation images. Default: the scenes' test split with the default data; none otherwise.")
    Path valData;

    @Option(names = "--input-size", description = "Input side in pixels: images are jittered to it in training, fitted and padded to it for evaluation (the position table is interpolated). Default: the encoder's image size.")
    Integer inputSize;

    @Option(names = "--epochs", description = "Epochs. Default: 12.")
    Integer epochs;

    @Option(names = "--max-steps", description = "Stop after this many optimiser steps (the schedule then spans them).")
    Long maxSteps;

    @Option(names = "--batch-size", description = "Images per iteration. Default: 16.")
    Integer batchSize;

    @Option(names = "--lr", description = "Peak learning rate (AdamW). Default: 1e-4 (ViTDet).")
    Double lr;

    @Option(names = "--warmup-epochs", description = "Linear warm-up in epochs. Default: 1.")
    Double warmupEpochs;

    @Option(names = "--eval-every", description = "COCO evaluation every this many epochs, and after the last. Default: 1.")
    Integer evalEvery;

    @Option(names = "--seed", description = "Seeds init, data order, jitter and drop path. Default: 0.")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any config key (those of config.json), e.g. --set windowSize=4 --set channels=128.")
    List<String> set = new java.util.ArrayList<>();

    @Option(names = "--out", defaultValue = "runs/detect", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "Output folder: checkpoints, log.txt, detection pictures, results, run journal.")
    Path out;

    @Option(names = "--workers", description = "Data loader threads. Default: the number of cores.")
    Integer workers;

    @Option(names = "--on-bad-image", defaultValue = "fail", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "fail: stop at an unreadable image (naming it); skip: skip it and list it at the end.")
    String onBadImage;

    @Mixin
    TrackingOptions tracking;

    private Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        ConfigOverrides.put(m, "epochs", epochs);
        ConfigOverrides.put(m, "maxSteps", maxSteps);
        ConfigOverrides.put(m, "batchSize", batchSize);
        ConfigOverrides.put(m, "lr", lr);
        ConfigOverrides.put(m, "warmupEpochs", warmupEpochs);
        ConfigOverrides.put(m, "evalEvery", evalEvery);
        ConfigOverrides.put(m, "seed", seed);
        return ConfigOverrides.withSet(m, set);
    }

    private DataParallel job;

    @Override
    public Integer call() throws Exception {
        job = DataParallel.open();
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        OnBadImage bad = OnBadImage.parse(onBadImage);
        Path trainJson = DetectData.trainJson(data);
        Path valJson = DetectData.valJson(valData, trainJson);
        CocoDataset train = DetectData.open(trainJson, "--data");
        CocoDataset val = valJson == null ? null : DetectData.open(valJson, "--val-data");
        CategoryMap categories = CategoryMap.of(train.categories());
        if (val != null && !CategoryMap.of(val.categories()).sameAs(categories)) {
            throw new IllegalArgumentException("--val-data " + valJson + " has the categories " + val.categories().keySet()
                    + ", the training data " + categories.ids());
        }
        Optional<Path> checkpoint = DetectorCheckpoint.find(out);
        DetectConfig cfg;
        PretrainedEncoder.Source source = null;
        float[][] norm;
        Checkpoint.Info resumed = null;
        if (checkpoint.isPresent()) {
            resumed = Checkpoint.info(checkpoint.get(), Checkpoint.Kind.DETECT);
            cfg = DetectConfig.fromFlat(ConfigOverrides.resumed(resumed.config(), given(), RESUMABLE));
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
                // --set model.* first: the defaults that follow the encoder (global blocks, pyramid, width) follow it
                encoder = withModelKeys(MaeConfig.preset(presetName).encoder(), given());
            }
            int size = inputSize != null ? inputSize : encoder.imgHeight();
            if (size % encoder.patchSize() != 0) {
                throw new IllegalArgumentException("--input-size " + size + " is not a multiple of the patch size " + encoder.patchSize());
            }
            encoder = encoder.withImgSize(size, size);
            DetectConfig base = DetectConfig.defaults(presetName,
                    init.pretrained == null ? "" : init.pretrained.toAbsolutePath().toString(), encoder, categories);
            cfg = Configs.with(base, given());
            if (source != null && source.mean() != null) {
                norm = new float[][] {source.mean(), source.std()};
            } else {
                ChannelStats s = ChannelStats.compute(train, 2000);
                norm = new float[][] {s.mean(), s.std()};
            }
        }
        categories.requireMatches(cfg.categories(), cfg.numClasses(), "--data " + trainJson);
        if (resumed != null && (init.pretrained != null || init.fromScratch || preset != null || inputSize != null)) {
            System.err.println("note: resuming " + checkpoint.get() + " continues its run: --pretrained, --from-scratch, --preset"
                    + " and --input-size are the checkpoint's");
        }
        job.requireBatch(cfg.batchSize(), "--batch-size");
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        Files.createDirectories(out);
        if (job.root()) {
            System.err.println("mae detect train: resolved config");
            cfg.flatten().forEach((k, v) -> System.err.printf("  %-24s %s%n", k, v));
            System.err.printf("  pyramid strides %s; data-parallel: %s; normalisation mean %s std %s; output %s%s%n", cfg.strides(),
                    job.describe(cfg.batchSize()), java.util.Arrays.toString(norm[0]), java.util.Arrays.toString(norm[1]),
                    out.toAbsolutePath(), checkpoint.map(c -> "; resuming " + c).orElse(""));
            Files.writeString(out.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(cfg.flatten()));
        }

        Detector model = Detector.create(cfg, org.nd4j.linalg.api.buffer.DataType.FLOAT, cfg.seed());
        AdamW optimizer = DetectionTraining.optimizer(cfg, model);
        TrainState start = TrainState.fresh();
        if (resumed != null) {
            start = DetectorCheckpoint.restore(checkpoint.get(), model, optimizer).state();       // every rank reads it
            if (job.root()) {
                System.err.printf("resuming from %s: epoch %d, step %d%n", checkpoint.get(), start.epoch(), start.step());
            }
        } else if (source != null) {
            LoadReport report = PretrainedEncoder.load(source, model.params(), cfg.model(), name -> !isBackbone(name));
            if (job.root()) {
                printLoad(report, source);
            }
        }
        CocoGroundTruth truth = valJson == null ? null : CocoGroundTruthJson.read(valJson);
        try (DetectionData dd = DetectionData.open(train, val, cfg, norm[0], norm[1], threads, bad, job.split())) {
            return train(cfg, model, optimizer, start, dd, val, truth, categories, source, resumed);
        }
    }

    /**
     * The backbone's parameters are the ones a pretrained encoder gives; the pyramid, the head and
     * the relative-position tables (zero-initialised, not in an MAE) start at their init.
     */
    /** The encoder with the {@code model.*} keys of the given settings applied (a scratch detector's architecture). */
    private static ViTConfig withModelKeys(ViTConfig encoder, Map<String, String> settings) {
        Map<String, String> keys = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("model.")) {
                keys.put(k.substring("model.".length()), v);
            }
        });
        try {
            return keys.isEmpty() ? encoder : Configs.with(encoder, keys);
        } catch (dev.maejvm.train.config.ConfigException e) {
            throw new dev.maejvm.train.config.ConfigException("model." + e.key(), e.getMessage().replace("'" + e.key() + "'",
                    "'model." + e.key() + "'"), e);
        }
    }

    static boolean isBackbone(String name) {
        return (name.equals("pos_embed") || name.startsWith("patch_embed.") || name.startsWith("blocks."))
                && !name.contains(".rel_pos_");
    }

    private int train(DetectConfig cfg, Detector model, AdamW optimizer, TrainState start, DetectionData dd, CocoDataset val,
                      CocoGroundTruth truth, CategoryMap categories, PretrainedEncoder.Source source, Checkpoint.Info resumed)
            throws IOException {
        long totalSteps = cfg.loop().totalSteps(dd.train().batchesPerEpoch());
        if (TransferRun.nothingToDo(job, start, totalSteps)) {
            return 0;
        }
        TransferRun run = TransferRun.open(job, tracking, totalSteps);
        TrainingListener listener = run.listener();
        Map<String, String> tags = TransferRun.tags(dd.train().describe(), cfg.fromScratch(), source,
                resumed != null && !cfg.fromScratch() ? cfg.pretrained() : null);
        Map<String, String> params = cfg.flatten();
        params.put("effectiveBatch", String.valueOf(cfg.effectiveBatch()));
        TrainState begin = run.session().start(new RunStart("detect", (cfg.fromScratch() ? "detect-scratch-" : "detect-") + cfg.preset(),
                job.tracked(params, cfg.batchSize()), tags, out, start.runId(), start.step()), start);
        listener.artifactWritten(out.resolve("config.json"), "");
        Checkpoint.DataInfo dataInfo = new Checkpoint.DataInfo(dd.train().describe(), dd.mean(), dd.std());
        DetectionTraining training = new DetectionTraining(cfg, model, optimizer, dd, val, truth, categories, listener, out,
                dataInfo, (epoch, r) -> {
                    System.err.printf("%nepoch %d: COCO bbox evaluation of %d images%n%s%n", epoch, val.size(), r.summary().table());
                    Path picture = out.resolve("detections").resolve(String.format("epoch-%03d.png", epoch));
                    try {
                        DetectionPicture.write(DetectionPicture.render(r.firstBatch().images(), categoriesToIndices(r, categories),
                                r.firstPredictions(), categories.names(), dd.mean(), dd.std(), 3, 4, 0.3), picture);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    listener.artifactWritten(picture, "detections");
                }, job.group());
        try {
            run.session().run(training.trainer(), begin, totalSteps, result -> run.printDone(result, training.best(), "AP", "",
                    out.resolve(DetectorCheckpoint.BEST), out.resolve(DetectorCheckpoint.LAST), out.resolve("log.txt"),
                    dd.train().skipped()));
            return 0;
        } catch (NonFiniteLossException e) {
            System.err.println("error: " + e.getMessage() + " Checkpoint: " + out.resolve(DetectorCheckpoint.LAST));
            return 1;
        }
    }

    private static List<List<dev.maejvm.data.detection.BoundingBox>> categoriesToIndices(
            dev.maejvm.finetune.det.DetectionEvaluator.Result r, CategoryMap categories) {
        return r.firstBatch().boxes().stream().map(categories::toIndices).toList();
    }

    private static void printLoad(LoadReport r, PretrainedEncoder.Source source) {
        System.err.printf("loaded the %s encoder from %s into the backbone%n", source.preset(), source.file());
        System.err.printf("  left at their init: the pyramid, the head and any relative-position tables (%d tensors)%n",
                r.missing().size());
        System.err.printf("  in the file, not in the detector (skipped): %d keys%n", r.unexpected().size());
        if (!r.interpolated().isEmpty()) {
            System.err.printf("  interpolated to the detection grid (bicubic): %s%n", r.interpolated());
        }
    }
}
