package dev.maejvm.experiments.cli.knn;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.source.Datasets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the kNN evaluation's train bank and validation set come from, and opening them labelled:
 * an unlabeled one is refused naming the option (a usage error, exit code 2).
 *
 * @param bankIsPretrainingData the bank defaulted to the pretraining data ({@code --data})
 */
public record KnnSources(Path train, Path val, boolean bankIsPretrainingData) {

    /**
     * The pretraining monitor's data ({@code ./mae pretrain --knn-every N}): the validation set is
     * {@code --val-data}, or Fashion-MNIST's test set in the quick start (no {@code --data}); the
     * bank is {@code --knn-train-data}, or else the pretraining data (Fashion-MNIST's training set
     * without {@code --data}), which must then be labelled.
     *
     * @param every {@code --knn-every}, null when the monitor is off
     * @return empty when the monitor is off
     * @throws IllegalArgumentException naming the option: monitor data without {@code --knn-every},
     *     {@code --knn-every} below 1, no validation set for data other than Fashion-MNIST
     */
    public static Optional<KnnSources> forPretraining(Integer every, Path data, Path knnTrain, Path val,
                                                      Supplier<Path> fashionTrain, Supplier<Path> fashionTest) {
        if (every == null) {
            if (knnTrain != null || val != null) {
                throw new IllegalArgumentException((val != null ? "--val-data" : "--knn-train-data")
                        + " is data of the kNN monitor, which runs only with --knn-every N (e.g. --knn-every 1: after every epoch)");
            }
            return Optional.empty();
        }
        if (every < 1) {
            throw new IllegalArgumentException("--knn-every must be >= 1 (epochs between kNN evaluations), got " + every);
        }
        Path v = val;
        if (v == null) {
            if (data != null) {
                throw new IllegalArgumentException("--knn-every needs --val-data, a labelled validation set (the default, "
                        + "Fashion-MNIST's test set, goes only with the Fashion-MNIST quick start, without --data)");
            }
            v = fashionTest.get();
        }
        Path t = knnTrain != null ? knnTrain : data != null ? data : fashionTrain.get();
        return Optional.of(new KnnSources(t, v, knnTrain == null && data != null));
    }

    /**
     * Whether an epoch end at which the monitor is due ({@code Evaluator.Scheduled}: every
     * {@code every} epochs and after the last) lies within a run's steps: a run that stops inside
     * an epoch (at maxSteps) records no kNN accuracy for it.
     */
    public static boolean monitorRuns(int every, int epochs, int fromEpoch, int batchesPerEpoch, int accumIter, long totalSteps) {
        long stepsPerEpoch = batchesPerEpoch / accumIter;
        for (int e = fromEpoch; e < epochs; e++) {
            long end = (e + 1) * stepsPerEpoch;
            boolean reached = end < totalSteps || (end == totalSteps && batchesPerEpoch % accumIter == 0);
            if (!reached) {
                return false;
            }
            if ((e + 1) % every == 0 || e + 1 == epochs) {
                return true;
            }
        }
        return false;
    }

    /** The train bank, labelled, or an error that names the option to give one with. */
    public Dataset openTrain(String option) {
        Dataset ds = open(train, bankIsPretrainingData ? "--data" : option);
        if (ds.numClasses() < 1) {
            if (bankIsPretrainingData) {
                throw new IllegalArgumentException("the kNN monitor needs a labelled train bank, and the pretraining data "
                        + ds.describe() + " has no labels: give one with " + option + " (" + LABELS_HINT + ")");
            }
            throw unlabeled(option, ds);
        }
        return ds;
    }

    public Dataset openVal(String option) {
        return openLabelled(val, option);
    }

    /** A dataset with labels (class folders are labelled), or an error naming the option and the set. */
    public static Dataset openLabelled(Path path, String option) {
        Dataset ds = open(path, option);
        if (ds.numClasses() < 1) {
            throw unlabeled(option, ds);
        }
        return ds;
    }

    private static Dataset open(Path path, String option) {
        try {
            return Datasets.open(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static final String LABELS_HINT = "an IDX images file needs its -labels-idx1- file beside it, image folders "
            + "a subfolder per class, a list file a label after each path";

    private static IllegalArgumentException unlabeled(String option, Dataset ds) {
        return new IllegalArgumentException(option + ": " + ds.describe() + " has no labels, and kNN evaluation needs them ("
                + LABELS_HINT + ")");
    }
}
