package dev.maejvm.finetune.knn;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Transform;
import dev.maejvm.train.Evaluator;
import dev.maejvm.vit.model.VisionTransformer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kNN monitor of self-supervised learning as an {@link Evaluator}: each time it runs, the
 * train bank's and the validation set's features are extracted from the encoder's current
 * weights ({@link FeatureExtractor}) and the validation images are classified by a
 * {@link WeightedKnn} over the bank. Metrics {@value #TOP1} and, with at least 5 classes,
 * {@value #TOP5}, as fractions in [0, 1].
 *
 * <p>Validation labels are matched to the bank's by class name, so two image folders with the
 * same class folders agree whatever subset of them each holds; a validation class the bank lacks
 * is refused, naming it.
 */
public final class KnnEvaluator implements Evaluator {
    public static final String TOP1 = "knn_top1";
    public static final String TOP5 = "knn_top5";
    private static final Logger log = LoggerFactory.getLogger(KnnEvaluator.class);

    private final FeatureExtractor extractor;
    private final Dataset train;
    private final Dataset val;
    private final Transform transform;
    private final KnnConfig cfg;
    private final int[] valToTrain;
    private volatile Report last;

    /**
     * What the last evaluation found.
     *
     * @param result accuracy and predictions over the validation set
     * @param bankSize train-bank images, valSize validation images
     * @param k the neighbours that voted (k, or the bank's size where smaller)
     * @param extractSeconds wall time of both extractions; knnSeconds of the classification
     */
    public record Report(WeightedKnn.Result result, int bankSize, int valSize, int numClasses, int k, double extractSeconds,
                         double knnSeconds) {
        /** Images through the encoder per second, both sets together. */
        public double featuresPerSecond() {
            return (bankSize + valSize) / Math.max(1e-9, extractSeconds);
        }
    }

    /**
     * @param train the train bank: labelled; valLabels are mapped to its classes by name
     * @param val the labelled validation set
     * @param transform the evaluation transform ({@link FeatureExtractor#evalTransform})
     * @param workers loader threads
     */
    public KnnEvaluator(VisionTransformer encoder, Dataset train, Dataset val, Transform transform, KnnConfig cfg, int workers) {
        requireLabelled(train, "the kNN train bank");
        requireLabelled(val, "the kNN validation set");
        this.valToTrain = classMapping(train, val);
        this.extractor = new FeatureExtractor(encoder, cfg.pool(), cfg.batchSize(), workers);
        this.train = train;
        this.val = val;
        this.transform = transform;
        this.cfg = cfg;
    }

    /** An IllegalArgumentException naming the set when it has no labels. */
    public static void requireLabelled(Dataset ds, String role) {
        if (ds.numClasses() < 1) {
            throw new IllegalArgumentException(role + " must be labelled, but " + ds.describe()
                    + " has no labels (an IDX images file needs its -labels-idx1- file beside it; image folders need a "
                    + "subfolder per class; a list file a label after each path)");
        }
    }

    /** For each validation class, the bank's class of the same name; a class the bank lacks is refused. */
    static int[] classMapping(Dataset train, Dataset val) {
        List<String> trainNames = train.classNames();
        List<String> valNames = val.classNames();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < trainNames.size(); i++) {
            index.put(trainNames.get(i), i);
        }
        int[] map = new int[val.numClasses()];
        for (int c = 0; c < map.length; c++) {
            String name = c < valNames.size() ? valNames.get(c) : String.valueOf(c);
            Integer t = index.get(name);
            if (t == null) {
                throw new IllegalArgumentException("the kNN validation set " + val.describe() + " has class '" + name
                        + "', which the train bank " + train.describe() + " lacks (its classes: " + abbreviated(trainNames) + ")");
            }
            map[c] = t;
        }
        return map;
    }

    private static String abbreviated(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }

    @Override
    public Map<String, Double> evaluate(int epoch) {
        FeatureExtractor.Features bank = extractor.extract(train, transform, cfg.trainLimit());
        FeatureExtractor.Features queries = extractor.extract(val, transform, cfg.valLimit());
        long t0 = System.nanoTime();
        WeightedKnn knn = new WeightedKnn(bank.features(), bank.labels(), train.numClasses(), cfg.k(), cfg.temperature());
        int[] valLabels = new int[queries.size()];
        for (int i = 0; i < valLabels.length; i++) {
            valLabels[i] = valToTrain[queries.labels()[i]];
        }
        WeightedKnn.Result r = knn.evaluate(queries.features(), valLabels);
        double knnSeconds = (System.nanoTime() - t0) / 1e9;
        Report report = new Report(r, bank.size(), queries.size(), train.numClasses(), knn.k(),
                bank.seconds() + queries.seconds(), knnSeconds);
        last = report;
        log.info("kNN after epoch {}: top-1 {}{} (k {}, T {}, bank {}, val {}); features {} s ({} img/s), kNN {} s", epoch,
                String.format("%.4f", r.top1()), Double.isNaN(r.top5()) ? "" : String.format(", top-5 %.4f", r.top5()),
                knn.k(), cfg.temperature(), bank.size(), queries.size(), String.format("%.1f", report.extractSeconds()),
                String.format("%.0f", report.featuresPerSecond()), String.format("%.2f", knnSeconds));
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(TOP1, r.top1());
        if (!Double.isNaN(r.top5())) {
            metrics.put(TOP5, r.top5());
        }
        return metrics;
    }

    /** The last evaluation's report, or null before the first. */
    public Report last() {
        return last;
    }

    public KnnConfig config() {
        return cfg;
    }
}
