package dev.maejvm.experiments.cli.pretrain;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.experiments.cli.DataParallel;
import dev.maejvm.experiments.cli.knn.KnnSources;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.finetune.knn.KnnConfig;
import dev.maejvm.finetune.knn.KnnEvaluator;
import dev.maejvm.train.Evaluator;
import dev.maejvm.train.Trainer;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.experiments.progress.ProgressListener;
import dev.maejvm.experiments.tracking.RunJournal;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.pretrain.data.MaeData;
import dev.maejvm.pretrain.data.MaeDataRecipe;
import dev.maejvm.pretrain.recon.Reconstruction;
import dev.maejvm.pretrain.recon.ReconstructionPicture;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.pretrain.train.Pretrainer;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.NonFiniteLossException;
import dev.maejvm.train.RunSession;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.events.RunStart;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.events.TrainingListeners;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mae pretrain}: MAE pretraining. With no arguments, the tiny preset on Fashion-MNIST
 * from Debian's dataset-fashion-mnist package with a short quick-start budget.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain a ViT as a masked autoencoder (He et al. 2021).",
            "Without --data: the tiny preset on Fashion-MNIST (Debian's dataset-fashion-mnist), 1 epoch, at most 300 steps.",
            "A checkpoint found in --out is resumed (the same trajectory continues).",
            "Under mpirun (docs/DISTRIBUTED.md) the ranks train data-parallel: --batch-size is the global batch, split over them."})
public final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--data", description = "Images: a folder (searched recursively), an IDX images file, CIFAR-10/100 binary (a .bin file or a folder of batches), or a list file (.txt: 'path [label]' per line). Default: Fashion-MNIST train set.")
    Path data;

    @Option(names = "--out", defaultValue = "runs/pretrain", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "Output folder: checkpoints, pictures, log.txt, run journal.")
    Path out;

    @Option(names = "--resume", description = "Checkpoint to resume (default: the one in --out, if any).")
    Path resume;

    @Option(names = "--workers", description = "Data loader threads. Default: the number of cores.")
    Integer workers;

    @Option(names = "--on-bad-image", defaultValue = "fail", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "fail: stop at an unreadable image (naming it); skip: skip it, count it and list all at the end.")
    String onBadImage;

    @Option(names = "--recon-images", defaultValue = "4", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "Reconstruction pictures written after every epoch (0: none).")
    int reconImages;

    @Option(names = "--knn-every", paramLabel = "N",
            description = "kNN monitor: after every N epochs (and after the last), the weighted k-NN accuracy of the encoder's "
                + "features (k 20, T 0.07, cls token) on --val-data with --knn-train-data as the bank, as knn_top1 / knn_top5 "
                + "in log.txt and tracking. It runs at epoch ends only. Default: off.")
    Integer knnEvery;

    @Option(names = "--knn-train-data", description = "The kNN monitor's labelled train bank. Default: the pretraining data "
            + "if it is labelled (Fashion-MNIST train without --data).")
    Path knnTrainData;

    @Option(names = "--val-data", description = "The kNN monitor's labelled validation set. Default: Fashion-MNIST test "
            + "without --data; needed with --data.")
    Path valData;

    @Option(names = "--knn-train-limit", defaultValue = "0", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "At most this many bank images, evenly spaced over the set (0: all).")
    int knnTrainLimit;

    @Option(names = "--knn-val-limit", defaultValue = "0", showDefaultValue = picocli.CommandLine.Help.Visibility.ALWAYS,
            description = "At most this many validation images, evenly spaced over the set (0: all).")
    int knnValLimit;

    @Mixin
    PretrainOptions options;

    @Mixin
    dev.maejvm.experiments.tracking.TrackingOptions tracking;

    private DataParallel job;

    @Override
    public Integer call() throws Exception {
        job = DataParallel.open();
        if (reconImages < 0) {
            throw new IllegalArgumentException("--recon-images must be >= 0 (0: no pictures), got " + reconImages);
        }
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        if (knnTrainLimit < 0 || knnValLimit < 0) {
            throw new IllegalArgumentException("--knn-train-limit and --knn-val-limit must be >= 0 (0: all), got "
                    + knnTrainLimit + " and " + knnValLimit);
        }
        Optional<KnnSources> knnSources = KnnSources.forPretraining(knnEvery, data, knnTrainData, valData,
                FashionMnist::trainImages, FashionMnist::testImages);
        // opened before anything runs, so that unlabeled or missing monitor data fails at once
        Dataset knnTrain = knnSources.map(k -> k.openTrain("--knn-train-data")).orElse(null);
        Dataset knnVal = knnSources.map(k -> k.openVal("--val-data")).orElse(null);
        Optional<Path> checkpoint = resume != null ? Optional.of(resume) : PretrainCheckpoint.find(out);
        Checkpoint.Info info = checkpoint.isPresent() ? PretrainCheckpoint.info(checkpoint.get()) : null;
        PretrainConfig cfg = info != null ? options.resumed(info.config()) : options.fresh(data == null);
        job.requireBatch(cfg.batchSize(), "--batch-size");
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        if (job.root()) {
            printResolved(cfg, checkpoint);
        }
        if (knnTrain != null && job.root()) {
            System.err.printf("  kNN monitor: every %d epoch%s (k %d, T %s, cls token); bank %s; val %s%n", knnEvery,
                    knnEvery == 1 ? "" : "s", KnnConfig.DEFAULT_K, KnnConfig.DEFAULT_TEMPERATURE,
                    FeatureExtractor.evenlySpaced(knnTrain, knnTrainLimit).describe(),
                    FeatureExtractor.evenlySpaced(knnVal, knnValLimit).describe());
        }
        Files.createDirectories(out);
        if (job.root()) {
            Files.writeString(out.resolve("config.json"), new com.fasterxml.jackson.databind.ObjectMapper()
                    .writerWithDefaultPrettyPrinter().writeValueAsString(cfg.flatten()));
        }

        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, cfg.seed());
        AdamW optimizer = new AdamW(model.params(), new AdamWConfig(0.9, 0.95, 1e-8, cfg.weightDecay()));
        TrainState start = TrainState.fresh();
        if (checkpoint.isPresent()) {
            start = PretrainCheckpoint.restore(checkpoint.get(), model, optimizer).state();    // every rank reads it
            if (job.root()) {
                System.err.printf("resuming from %s: epoch %d, step %d%n", checkpoint.get(), start.epoch(), start.step());
            }
        }
        try (MaeData pd = MaeDataRecipe.open(data, cfg, threads, onBadImage, job.split())) {
            List<Evaluator.Scheduled> evaluators = new ArrayList<>();
            if (knnTrain != null && job.root()) {
                evaluators.add(new Evaluator.Scheduled(knnMonitor(cfg, model, pd, knnTrain, knnVal, threads), knnEvery, false));
            }
            return train(cfg, model, optimizer, start, pd, evaluators);
        }
    }

    /**
     * The kNN monitor on the MAE's encoder, its features normalised as the pretraining data.
     * Batches of batchSize x (1 - maskRatio) images: as many tokens per encoder pass as a
     * training step's, so the monitor needs no more activation memory than training.
     */
    private KnnEvaluator knnMonitor(PretrainConfig cfg, MaskedAutoencoder model, MaeData pd, Dataset train, Dataset val,
                                    int threads) {
        int batch = Math.max(1, (int) (cfg.batchSize() * (1 - cfg.maskRatio())));
        KnnConfig knn = new KnnConfig(KnnConfig.DEFAULT_K, KnnConfig.DEFAULT_TEMPERATURE, GlobalPool.TOKEN, batch,
                knnTrainLimit, knnValLimit);
        return new KnnEvaluator(model.encoder(), train, val,
                FeatureExtractor.evalTransform(cfg.model().encoder(), pd.mean(), pd.std()), knn, threads);
    }

    private int train(PretrainConfig cfg, MaskedAutoencoder model, AdamW optimizer, TrainState start, MaeData pd,
                      List<Evaluator.Scheduled> evaluators) throws IOException {
        long totalSteps = cfg.loop().totalSteps(pd.batches().batchesPerEpoch());
        if (knnEvery != null && job.root() && start.step() < totalSteps && !KnnSources.monitorRuns(knnEvery, cfg.epochs(), start.epoch(),
                pd.batches().batchesPerEpoch(), cfg.accumIter(), totalSteps)) {
            System.err.printf("note: the kNN monitor runs at the end of an epoch (every %d), and this run stops at step %d, "
                    + "before one (%d steps an epoch): it will record no kNN accuracy. Let the epoch finish (--max-steps 0: no "
                    + "cap), or evaluate the checkpoint afterwards with ./mae knn --checkpoint %s%n", knnEvery, totalSteps,
                    pd.batches().batchesPerEpoch() / cfg.accumIter(), out.resolve(PretrainCheckpoint.FILE_NAME));
        }
        if (start.step() >= totalSteps) {
            if (job.root()) {
                System.err.printf("nothing to do: the checkpoint is at step %d of %d (raise --epochs or --max-steps to go on)%n",
                        start.step(), totalSteps);
            }
            return 0;
        }
        TrainingListener listener;
        RunSession session;
        if (job.root()) {
            dev.maejvm.experiments.tracking.Tracker journal = tracking.listener();   // journal + MLflow when configured
            // the journal first: its run id is the one checkpoints keep
            listener = new TrainingListeners(List.of(journal, ProgressListener.forConsole(totalSteps)));
            session = new RunSession(listener, journal::close);
        } else {                                            // rank 0 alone tracks, logs and writes
            listener = new TrainingListeners(List.of());
            session = new RunSession(listener, null);
        }
        TrainState begin = session.start(new RunStart("pretrain", "pretrain-" + cfg.preset(),
                job.tracked(cfg.tracked(), cfg.batchSize()), runTags(pd), out, start.runId(), start.step()), start);
        listener.artifactWritten(out.resolve("config.json"), "");

        INDArray samples = reconImages > 0 ? pd.samples(reconImages) : null;
        Checkpoint.DataInfo dataInfo = new Checkpoint.DataInfo(pd.batches().describe(), pd.mean(), pd.std());
        Pretrainer trainer = new Pretrainer(cfg, model, optimizer, pd.batches(), listener,
                state -> PretrainCheckpoint.save(out.resolve(PretrainCheckpoint.FILE_NAME), model, optimizer, cfg, state, dataInfo),
                (epoch, m) -> {
                    if (samples != null) {
                        writeReconstructions(m, samples, pd, epoch, listener, cfg.seed(), cfg.maskRatio());
                    }
                },
                new EpochLog(out.resolve("log.txt")), evaluators, job.group());
        try {
            session.run(trainer.trainer(), begin, totalSteps, result -> {
                if (!job.root()) {
                    return;
                }
                Map<String, String> meta = Map.of("source", "mae pretrain", "step", String.valueOf(result.state().step()));
                StateDict.save(out.resolve("mae.safetensors"), model, false, meta);
                StateDict.save(out.resolve("encoder.safetensors"), model, true, meta);
                listener.artifactWritten(out.resolve("encoder.safetensors"), "model");
                listener.artifactWritten(out.resolve(PretrainCheckpoint.FILE_NAME), "checkpoints");
                report(result, pd);
            });
            return 0;
        } catch (NonFiniteLossException e) {
            System.err.println((job.distributed() ? "rank " + job.group().rank() + ": " : "") + "error: " + e.getMessage()
                    + " Checkpoint: " + out.resolve(PretrainCheckpoint.FILE_NAME));
            return 1;
        }
    }

    /** The run's own tags (the Tracker adds the user's --tag / $MLFLOW_TAGS). */
    private Map<String, String> runTags(MaeData pd) {
        return Map.of("mae.data", pd.batches().describe());
    }

    private void writeReconstructions(MaskedAutoencoder model, INDArray samples, MaeData pd, int epoch,
                                      TrainingListener listener, long seed, double maskRatio) {
        int n = (int) samples.size(0);
        Masking masking = Masking.random(n, model.config().encoder().numPatches(), maskRatio, new SplittableRandom(seed)); // the run's ratio
        Reconstruction r = Reconstruction.of(model, samples, masking);
        int size = model.config().encoder().imgSize();
        int scale = Math.max(1, 112 / size);
        for (int i = 0; i < n; i++) {
            Path file = out.resolve("reconstructions").resolve(String.format("epoch-%03d-image-%d.png", epoch, i));
            try {
                ReconstructionPicture.write(ReconstructionPicture.render(r, i, pd.mean(), pd.std(),
                        model.config().encoder().patchSize(), scale), file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            listener.artifactWritten(file, "reconstructions");
        }
    }

    private void printResolved(PretrainConfig cfg, Optional<Path> checkpoint) {
        System.err.println("mae pretrain: resolved config");
        cfg.flatten().forEach((k, v) -> System.err.printf("  %-22s %s%n", k, v));
        System.err.printf("  base lr (blr) %.3e, actual lr %.3e = blr * %d / 256 (effective batch %d = %d x %d)%n",
                cfg.blr(), cfg.actualLr(), cfg.effectiveBatch(), cfg.effectiveBatch(), cfg.batchSize(), cfg.accumIter());
        System.err.printf("  data-parallel: %s%n", job.describe(cfg.batchSize()));
        System.err.printf("  data: %s; output: %s%s%n", data == null ? "Fashion-MNIST (quick start)" : data, out.toAbsolutePath(),
                checkpoint.map(c -> "; resuming " + c).orElse(""));
    }

    private void report(Trainer.Result result, MaeData pd) {
        System.err.printf("%ndone at step %d (last loss %.4f).%n", result.state().step(), result.lastLoss());
        System.err.printf("  checkpoint:       %s%n", out.resolve(PretrainCheckpoint.FILE_NAME).toAbsolutePath());
        System.err.printf("  encoder weights:  %s (timm names)%n", out.resolve("encoder.safetensors").toAbsolutePath());
        System.err.printf("  reconstructions:  %s%n", reconImages == 0 ? "none (--recon-images 0)"
                : out.resolve("reconstructions").toAbsolutePath());
        java.nio.file.Path epochLog = out.resolve("log.txt");
        System.err.printf("  epoch log:        %s%n", java.nio.file.Files.exists(epochLog) ? epochLog.toAbsolutePath()
                : "none: no epoch completed (a line per finished epoch goes to " + epochLog + "; steps are in the run journal)");
        System.err.printf("  run journal:      %s (./mae runs show %s; loss curves in loss.png)%n",
                out.resolve(RunJournal.FILE_NAME).toAbsolutePath(), out);
        List<String> skipped = pd.batches().skipped();
        if (!skipped.isEmpty()) {
            System.err.printf("  skipped %d unreadable images:%n", skipped.size());
            skipped.forEach(s -> System.err.println("    " + s));
        }
    }
}
