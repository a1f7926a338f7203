package dev.maejvm.finetune.cls;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.RandomErasing;
import dev.maejvm.data.transform.Transforms;
import dev.maejvm.train.BatchSource;
import java.util.Iterator;
import java.util.List;

/**
 * The data of a classification run, as the official {@code util/datasets.build_transform} (timm's
 * {@code create_transform}). Training: random resized crop (scale cropScaleMin..1, ratio 3/4..4/3,
 * bicubic), horizontal flip 0.5, RandAugment, normalisation, random erasing (pixel mode, after
 * normalisation), shuffled, the last partial batch dropped. Evaluation: the shorter side resized to
 * size / evalCropPct (bicubic), a centre crop, normalisation, in order, every image. Images are
 * decoded and augmented on the loader's worker threads.
 */
public final class ClassificationData implements AutoCloseable {
    private final DataLoader train;
    private final DataLoader val;
    private final float[] mean;
    private final float[] std;

    private ClassificationData(DataLoader train, DataLoader val, float[] mean, float[] std) {
        this.train = train;
        this.val = val;
        this.mean = mean;
        this.std = std;
    }

    /**
     * @param train labelled training images (null: evaluation only)
     * @param val labelled validation images (null: none)
     * @param mean per-channel normalisation the encoder was trained with
     */
    public static ClassificationData open(Dataset train, Dataset val, FinetuneConfig cfg, float[] mean, float[] std,
                                          int workers, OnBadImage onBadImage) {
        return open(train, val, cfg, mean, std, workers, onBadImage, BatchSplit.WHOLE);
    }

    /**
     * @param split this rank's part of every training batch of {@code cfg.batchSize()}
     *     (data-parallel training); validation batches are whole (rank 0 validates)
     */
    public static ClassificationData open(Dataset train, Dataset val, FinetuneConfig cfg, float[] mean, float[] std,
                                          int workers, OnBadImage onBadImage, BatchSplit split) {
        int size = cfg.model().imgSize();
        int channels = cfg.model().inChans();
        requireLabels(train, cfg.numClasses());
        requireLabels(val, cfg.numClasses());
        DataLoader trainLoader = null;
        if (train != null) {
            Transform t = Transforms.toChannels(channels)
                    .then(Transforms.randomResizedCrop(size, cfg.cropScaleMin(), 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC))
                    .then(Transforms.horizontalFlip(0.5));
            var randAugment = RandAugmentSpec.parse(cfg.randAugment());
            if (randAugment.isPresent()) {
                t = t.then(randAugment.get());
            }
            t = t.then(Transforms.normalize(mean, std));
            if (cfg.reprob() > 0) {
                RandomErasing e = RandomErasing.maeFinetune();
                t = t.then(new RandomErasing(cfg.reprob(), e.minScale(), e.maxScale(), e.minRatio(), e.maxRatio(), e.mode()));
            }
            trainLoader = DataLoader.builder(train).batchSize(cfg.batchSize()).shuffle(true).dropLast(true).seed(cfg.seed())
                    .workers(workers).prefetch(Math.max(2, 2 * workers)).transform(t).onBadImage(onBadImage).split(split).build();
        }
        DataLoader valLoader = val == null ? null : evaluationLoader(val, cfg.model().imgSize(), channels, cfg.evalCropPct(),
                mean, std, cfg.batchSize(), workers, onBadImage);
        return new ClassificationData(trainLoader, valLoader, mean, std);
    }

    /** Every image of a dataset in order, with the evaluation transform (what validation and feature extraction read). */
    public static DataLoader evaluationLoader(Dataset ds, int size, int channels, double cropPct, float[] mean, float[] std,
                                              int batchSize, int workers, OnBadImage onBadImage) {
        Transform t = evaluationTransform(size, channels, cropPct, mean, std);
        return DataLoader.builder(ds).batchSize(batchSize).shuffle(false).dropLast(false).seed(0).workers(workers)
                .prefetch(Math.max(2, 2 * workers)).transform(t).onBadImage(onBadImage).build();
    }

    /** The evaluation transform: the shorter side to size / cropPct (bicubic), a centre crop, normalisation. */
    public static Transform evaluationTransform(int size, int channels, double cropPct, float[] mean, float[] std) {
        return Transforms.toChannels(channels)
                .then(Transforms.resize((int) (size / cropPct), Interpolation.BICUBIC))
                .then(Transforms.centerCrop(size))
                .then(Transforms.normalize(mean, std));
    }

    /** A dataset without labels, or with more classes than the head, is refused naming it. */
    public static void requireLabels(Dataset ds, int numClasses) {
        if (ds == null) {
            return;
        }
        if (ds.numClasses() == 0) {
            throw new IllegalArgumentException(ds.describe() + " has no labels; a labelled task needs class folders, a list"
                    + " file with labels, IDX images with their labels file beside them, or CIFAR");
        }
        if (ds.numClasses() > numClasses) {
            throw new IllegalArgumentException(ds.describe() + " has " + ds.numClasses() + " classes, but the model's head has "
                    + numClasses);
        }
    }

    /** Augmented training batches (images [B, C, H, W] normalised, labels). */
    public BatchSource<Batch> train() {
        if (train == null) {
            throw new IllegalStateException("no training data was opened");
        }
        return new dev.maejvm.finetune.LoaderSource(train);
    }

    /** The validation images in order, or null when none were given. */
    public DataLoader validation() {
        return val;
    }

    public float[] mean() {
        return mean;
    }

    public float[] std() {
        return std;
    }

    @Override
    public void close() {
        if (train != null) {
            train.close();
        }
        if (val != null) {
            val.close();
        }
    }
}
