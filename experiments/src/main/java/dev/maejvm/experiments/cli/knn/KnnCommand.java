package dev.maejvm.experiments.cli.knn;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.finetune.PretrainedEncoder;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.finetune.knn.KnnConfig;
import dev.maejvm.finetune.knn.KnnEvaluator;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.VisionTransformer;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.weights.LoadReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/**
 * {@code mae knn}: weighted k-NN accuracy of an encoder's features (the kNN monitor of
 * self-supervised learning) on a labelled validation set, with a labelled train set as the bank.
 */
@Command(name = "knn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Weighted k-NN top-1 / top-5 of an encoder's features (InstDisc, DINO's knn_classifier): cosine "
            + "similarity to a labelled train bank, the k nearest vote with weight exp(sim / T).",
            "Without --train-data / --val-data: Fashion-MNIST train as the bank, test as the validation set."})
public final class KnnCommand implements Callable<Integer> {
    /** The official MAE normalises RGB with the ImageNet statistics. */
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    /** KnnConfig's field names and the options that set them, so that a validation error names the option. */
    private static final Map<String, String> OPTIONS = Map.of("k", "--k", "temperature", "--temperature",
            "batchSize", "--batch-size", "trainLimit", "--train-limit", "valLimit", "--val-limit");

    @Option(names = "--checkpoint", required = true,
            description = "A pretraining checkpoint (checkpoint-last.safetensors), or with --preset an encoder's weights "
                + "with timm's names (encoder.safetensors, ./mae export).")
    Path checkpoint;

    @Option(names = "--preset", description = "The encoder's preset when --checkpoint is a weights file with timm's names "
            + "(micro, tiny, vit-s16, ...). Not needed for a pretraining checkpoint.")
    String preset;

    @Option(names = "--train-data", description = "The labelled train bank: an IDX images file (labels beside it), image "
            + "folders with a subfolder per class, CIFAR, a list file with labels. Default: Fashion-MNIST train.")
    Path trainData;

    @Option(names = "--val-data", description = "The labelled validation set. Default: Fashion-MNIST test.")
    Path valData;

    @Option(names = "--k", defaultValue = "20", showDefaultValue = Visibility.ALWAYS, description = "Neighbours that vote.")
    int k;

    @Option(names = "--temperature", defaultValue = "0.07", showDefaultValue = Visibility.ALWAYS,
            description = "T of the weights exp(sim / T).")
    double temperature;

    @Option(names = "--global-pool", defaultValue = "token", showDefaultValue = Visibility.ALWAYS,
            description = "token: the cls token after the encoder's final norm; avg: the average of the patch tokens.")
    String globalPool;

    @Option(names = "--batch-size", defaultValue = "64", showDefaultValue = Visibility.ALWAYS,
            description = "Images per encoder pass.")
    int batchSize;

    @Option(names = "--train-limit", defaultValue = "0", showDefaultValue = Visibility.ALWAYS,
            description = "At most this many bank images, evenly spaced over the set (0: all).")
    int trainLimit;

    @Option(names = "--val-limit", defaultValue = "0", showDefaultValue = Visibility.ALWAYS,
            description = "At most this many validation images, evenly spaced over the set (0: all).")
    int valLimit;

    @Option(names = "--mean", split = ",", description = "Per-channel mean to normalise with. Default: the checkpoint's; "
            + "for a weights file ImageNet's with 3 channels (needed otherwise).")
    float[] mean;

    @Option(names = "--std", split = ",", description = "Per-channel std to normalise with (as --mean).")
    float[] std;

    @Option(names = "--workers", description = "Loader threads decoding ahead of the encoder. Default: the number of cores.")
    Integer workers;

    @Option(names = "--out", description = "Also write the result as JSON to this file.")
    Path out;

    /** The encoder to evaluate and the normalisation of its input. */
    private record Encoder(VisionTransformer encoder, float[] mean, float[] std, String description) {}

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        KnnConfig cfg = config();
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        if ((trainData == null) != (valData == null)) {
            throw new IllegalArgumentException("--train-data and --val-data go together (or neither: Fashion-MNIST's train "
                    + "and test sets)");
        }
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--checkpoint " + checkpoint + ": no such file");
        }
        Dataset train = KnnSources.openLabelled(trainData != null ? trainData : fashionMnist(true), "--train-data");
        Dataset val = KnnSources.openLabelled(valData != null ? valData : fashionMnist(false), "--val-data");
        Encoder enc = load();
        ViTConfig vit = enc.encoder().config();
        System.err.printf("mae knn: %s%n  bank: %s%n  val:  %s%n  k %d, T %s, %s pooling, batch %d, mean %s, std %s%n",
                enc.description(), describe(train, trainLimit), describe(val, valLimit), cfg.k(), cfg.temperature(),
                name(cfg.pool()), cfg.batchSize(), Arrays.toString(enc.mean()), Arrays.toString(enc.std()));
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        KnnEvaluator evaluator = new KnnEvaluator(enc.encoder(), train, val,
                FeatureExtractor.evalTransform(vit, enc.mean(), enc.std()), cfg, threads);
        evaluator.evaluate(0);
        KnnEvaluator.Report r = evaluator.last();
        double wall = (System.nanoTime() - start) / 1e9;
        if (r.k() < cfg.k()) {
            System.err.printf("note: the bank has %d images, fewer than k %d: all of them vote%n", r.bankSize(), cfg.k());
        }
        System.out.printf(Locale.ROOT, "knn top-1 %.2f %%%s (k %d, T %s, %s pooling; bank %d, val %d images, %d classes)%n",
                100 * r.result().top1(), Double.isNaN(r.result().top5()) ? "" : String.format(Locale.ROOT, ", top-5 %.2f %%",
                        100 * r.result().top5()), r.k(), cfg.temperature(), name(cfg.pool()), r.bankSize(), r.valSize(),
                r.numClasses());
        System.out.printf(Locale.ROOT, "wall time %.1f s (features %.1f s, %.0f img/s; kNN %.2f s)%n", wall,
                r.extractSeconds(), r.featuresPerSecond(), r.knnSeconds());
        if (out != null) {
            writeJson(cfg, r, enc, train, val, wall);
        }
        return 0;
    }

    private static Path fashionMnist(boolean train) {
        try {
            return train ? FashionMnist.trainImages() : FashionMnist.testImages();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + " (here: --train-data and --val-data)", e);
        }
    }

    private KnnConfig config() {
        GlobalPool pool = switch (globalPool.toLowerCase(Locale.ROOT)) {
            case "token" -> GlobalPool.TOKEN;
            case "avg" -> GlobalPool.AVG;
            default -> throw new IllegalArgumentException("--global-pool must be token or avg, got '" + globalPool + "'");
        };
        try {
            return new KnnConfig(k, temperature, pool, batchSize, trainLimit, valLimit);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            for (Map.Entry<String, String> f : OPTIONS.entrySet()) {
                if (m.startsWith(f.getKey() + " ")) {
                    throw new IllegalArgumentException(f.getValue() + m.substring(f.getKey().length()), e);
                }
            }
            throw e;
        }
    }

    /**
     * The encoder of a pretraining checkpoint or of a timm-named weights file (with --preset), read
     * as every transfer command reads it ({@link PretrainedEncoder}): the position table as a learned
     * one, resized to the grid when it differs; keys no encoder has are listed and ignored.
     */
    private Encoder load() throws java.io.IOException {
        PretrainedEncoder.Source src;
        try {
            src = PretrainedEncoder.inspect(checkpoint, preset);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--checkpoint " + e.getMessage(), e);
        }
        ViTConfig vit = src.encoder().withPosEmbed(ViTConfig.PosEmbedKind.LEARNED);
        ParamStore store = new ParamStore(DataType.FLOAT);
        VisionTransformer encoder = new VisionTransformer(store, vit);
        store.build(0);
        LoadReport report = PretrainedEncoder.load(src, store, vit, name -> false);
        if (!report.unexpected().isEmpty()) {
            System.err.printf("  not an encoder's, ignored: %s%n", abbreviated(report.unexpected().toString()));
        }
        if (!report.interpolated().isEmpty()) {
            System.err.printf("  resized to the %d x %d grid: %s%n", vit.gridHeight(), vit.gridWidth(), report.interpolated());
        }
        float[] m = mean != null ? mean : src.mean();
        float[] s = std != null ? std : src.std();
        if (m == null || s == null) {
            float[][] d = defaultNormalisation(vit, src.mean() == null ? "the file does not record it" : "");
            m = m != null ? m : d[0];
            s = s != null ? s : d[1];
        }
        String what = src.prefix().isEmpty() ? "encoder weights " + checkpoint + " (preset " + src.preset() + ")"
                : "pretraining checkpoint " + checkpoint + " (preset " + src.preset() + ")";
        return new Encoder(encoder, m, s, what);
    }

    /** ImageNet's statistics for RGB, as the official MAE; otherwise the user must say. */
    private static float[][] defaultNormalisation(ViTConfig vit, String why) {
        if (vit.inChans() == 3) {
            return new float[][] {IMAGENET_MEAN, IMAGENET_STD};
        }
        throw new IllegalArgumentException("give --mean and --std, the normalisation the encoder was trained with (" + why
                + "; " + vit.inChans() + " channel" + (vit.inChans() == 1 ? "" : "s") + ", e.g. --mean " + FashionMnist.MEAN
                + " --std " + FashionMnist.STD + " for Fashion-MNIST)");
    }

    private static String abbreviated(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static String name(GlobalPool pool) {
        return pool.name().toLowerCase(Locale.ROOT);
    }

    private static String describe(Dataset ds, int limit) {
        return ds.describe() + (limit > 0 && limit < ds.size() ? " (" + limit + " evenly spaced)" : "");
    }

    private void writeJson(KnnConfig cfg, KnnEvaluator.Report r, Encoder enc, Dataset train, Dataset val, double wall)
            throws java.io.IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checkpoint", checkpoint.toAbsolutePath().toString());
        json.put("preset", preset);
        json.put("encoder", enc.description());
        json.put("train_data", train.describe());
        json.put("val_data", val.describe());
        json.put("k", cfg.k());
        json.put("k_used", r.k());
        json.put("temperature", cfg.temperature());
        json.put("global_pool", name(cfg.pool()));
        json.put("mean", enc.mean());
        json.put("std", enc.std());
        json.put("bank_size", r.bankSize());
        json.put("val_size", r.valSize());
        json.put("num_classes", r.numClasses());
        json.put("top1", r.result().top1());
        json.put("top5", Double.isNaN(r.result().top5()) ? null : r.result().top5());
        json.put("wall_s", wall);
        json.put("features_s", r.extractSeconds());
        json.put("features_per_s", r.featuresPerSecond());
        json.put("knn_s", r.knnSeconds());
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        System.err.println("wrote " + out);
    }
}
