package dev.maejvm.finetune.det;

import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.data.detection.BoxTransforms;
import dev.maejvm.data.detection.CocoDataset;
import dev.maejvm.data.detection.DetectionExample;
import dev.maejvm.data.detection.DetectionTransform;
import dev.maejvm.data.detection.ScaleJitter;
import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;

/**
 * The data of a detection run. Training: the image to the encoder's channels, large-scale jitter
 * (a random scale in [scaleMin, scaleMax] of the input size, the aspect kept, then cropped or
 * padded with 0 to input x input; boxes clipped, dropped when nothing is left), a horizontal flip,
 * normalisation; shuffled, the last partial batch dropped. Evaluation: the longer side resized to
 * the input size, padded to a square, normalised; in order, every image ({@link EvalGeometry} maps
 * its detections back to the image's own pixels). Padding is 0 before normalisation (detectron2 pads
 * the normalised image with 0); training and evaluation pad alike.
 */
public final class DetectionData implements AutoCloseable {
    private final DataLoader train;
    private final DataLoader val;
    private final float[] mean;
    private final float[] std;

    private DetectionData(DataLoader train, DataLoader val, float[] mean, float[] std) {
        this.train = train;
        this.val = val;
        this.mean = mean;
        this.std = std;
    }

    /** @param train the training set (null: evaluation only); @param val the validation set (null: none) */
    public static DetectionData open(CocoDataset train, CocoDataset val, DetectConfig cfg, float[] mean, float[] std, int workers,
                                     OnBadImage onBadImage) {
        return open(train, val, cfg, mean, std, workers, onBadImage, BatchSplit.WHOLE);
    }

    /** @param split this rank's part of every global training batch (data-parallel training) */
    public static DetectionData open(CocoDataset train, CocoDataset val, DetectConfig cfg, float[] mean, float[] std, int workers,
                                     OnBadImage onBadImage, BatchSplit split) {
        int size = cfg.model().imgHeight();
        int channels = cfg.model().inChans();
        DataLoader trainLoader = null;
        if (train != null) {
            DetectionTransform t = pixels(Transforms.toChannels(channels))
                    .then(new ScaleJitter(size, size, cfg.scaleMin(), cfg.scaleMax(), Interpolation.BILINEAR, 0f, 0))
                    .then(BoxTransforms.horizontalFlip(cfg.flipProb()))
                    .then(pixels(Transforms.normalize(mean, std)));
            trainLoader = DataLoader.builder(train).batchSize(cfg.batchSize()).shuffle(true).dropLast(true).seed(cfg.seed())
                    .workers(workers).onBadImage(onBadImage).detection(t).split(split).build();
        }
        DataLoader valLoader = val == null ? null : evaluationLoader(val, cfg, mean, std, workers);
        return new DetectionData(trainLoader, valLoader, mean, std);
    }

    /** Every image of a set in order through the evaluation transform. */
    public static DataLoader evaluationLoader(CocoDataset set, DetectConfig cfg, float[] mean, float[] std, int workers) {
        return DataLoader.builder(set).batchSize(cfg.batchSize()).shuffle(false).dropLast(false).workers(workers)
                .onBadImage(OnBadImage.FAIL).detection(evaluationTransform(cfg, mean, std)).build();
    }

    /** The longer side to the input size (bilinear), padded to input x input with 0, normalised. */
    public static DetectionTransform evaluationTransform(DetectConfig cfg, float[] mean, float[] std) {
        int size = cfg.model().imgHeight();
        ScaleJitter fit = new ScaleJitter(size, size, 1, 1, Interpolation.BILINEAR, 0f, 0);
        return pixels(Transforms.toChannels(cfg.model().inChans()))
                .then((ex, rng) -> BoxTransforms.pad(fit.resize(ex, 1), size, size, 0f))
                .then(pixels(Transforms.normalize(mean, std)));
    }

    private static DetectionTransform pixels(Transform t) {
        return (ex, rng) -> new DetectionExample(t.apply(ex.image(), rng), ex.boxes(), ex.source());
    }

    /** Augmented training batches (images [B, C, S, S] normalised, their boxes), for the training loop. */
    public dev.maejvm.train.BatchSource<dev.maejvm.data.Batch> train() {
        if (train == null) {
            throw new IllegalStateException("no training data was opened");
        }
        return new dev.maejvm.finetune.LoaderSource(train);
    }

    public DataLoader validation() {
        return val;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
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
