package dev.maejvm.finetune.knn;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.finetune.cls.ClassificationData;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.VisionTransformer;
import dev.maejvm.vit.model.ViTConfig;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One feature per image of a labelled dataset from a ViT encoder in evaluation mode
 * ({@link Ctx#eval()}: deterministic, nothing kept for a backward), on every patch, in batches:
 * images are decoded and transformed on the data pipeline's loader threads, in dataset order,
 * while the encoder runs. The feature is the cls token after the encoder's final norm
 * ({@link GlobalPool#TOKEN}) or the average of the patch tokens at the encoder's output
 * ({@link GlobalPool#AVG}; an MAE encoder has its final norm, so they are normalised tokens).
 *
 * <p>Not thread-safe: it runs the encoder, whose buffers are the encoder's. Between training steps
 * that is safe (the guard of each layer is disarmed by an evaluation pass; no backward is pending
 * between epochs).
 */
public final class FeatureExtractor {
    private final VisionTransformer encoder;
    private final GlobalPool pool;
    private final int batchSize;
    private final int workers;

    /**
     * @param batchSize images per encoder pass
     * @param workers loader threads decoding and transforming ahead of the encoder
     */
    public FeatureExtractor(VisionTransformer encoder, GlobalPool pool, int batchSize, int workers) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.encoder = encoder;
        this.pool = pool;
        this.batchSize = batchSize;
        this.workers = workers;
    }

    /**
     * The evaluation transform: to the encoder's channels, the shorter side resized to its size
     * (bicubic) and centre-cropped, normalised with the pretraining data's mean and std.
     */
    public static Transform evalTransform(ViTConfig enc, float[] mean, float[] std) {
        if (mean.length != enc.inChans() || std.length != enc.inChans()) {
            throw new IllegalArgumentException("mean and std need " + enc.inChans() + " values (the encoder's channels), got "
                    + mean.length + " and " + std.length);
        }
        return ClassificationData.evaluationTransform(enc.imgSize(), enc.inChans(), 1.0, mean, std);   // no crop margin
    }

    /**
     * The features of a dataset.
     *
     * @param features [N, D] float32, row i the image i of the set (or of the subset)
     * @param labels the dataset's label of each row (-1 where it has none)
     * @param seconds wall time of the extraction
     */
    public record Features(INDArray features, int[] labels, double seconds) {
        public int size() {
            return labels.length;
        }

        /** Images through the encoder per second of wall time. */
        public double perSecond() {
            return labels.length / Math.max(1e-9, seconds);
        }
    }

    /** Every image of {@code ds} through {@code transform} (which must give the encoder's input size). */
    public Features extract(Dataset ds, Transform transform) {
        return extract(ds, transform, 0);
    }

    /** At most {@code limit} images of {@code ds}, evenly spaced over it (0: all; see {@link #evenlySpaced}). */
    public Features extract(Dataset ds, Transform transform, int limit) {
        long start = System.nanoTime();
        Dataset set = evenlySpaced(ds, limit);
        int n = set.size();
        if (n == 0) {
            throw new IllegalArgumentException(ds.describe() + ": no images");
        }
        int d = encoder.config().embedDim();
        DataType dt = encoder.posEmbed().dataType();
        INDArray features = Nd4j.create(DataType.FLOAT, n, d);
        int[] labels = new int[n];
        INDArray pooled = null;
        int row = 0;
        try (DataLoader loader = DataLoader.builder(set).batchSize(Math.min(batchSize, n)).shuffle(false).dropLast(false)
                .workers(workers).prefetch(2 * workers).transform(transform).onBadImage(OnBadImage.FAIL).build();
             DataLoader.BatchIterator batches = loader.epoch(0)) {
            while (batches.hasNext()) {
                Batch b = batches.next();
                INDArray imgs = b.images().dataType() == dt ? b.images() : b.images().castTo(dt);
                int m = (int) imgs.size(0);
                INDArray tokens = encoder.forward(imgs, Ctx.eval());         // [m*(1+L), D]
                pooled = Kernels.ensure(pooled, dt, m, d);
                pool.forward(tokens, m, pooled);
                features.get(NDArrayIndex.interval(row, row + m), NDArrayIndex.all())
                        .assign(dt == DataType.FLOAT ? pooled : pooled.castTo(DataType.FLOAT));
                System.arraycopy(b.labels(), 0, labels, row, m);
                row += m;
            }
        }
        if (row != n) {
            throw new IllegalStateException(ds.describe() + ": the loader delivered " + row + " of " + n + " images");
        }
        return new Features(features, labels, (System.nanoTime() - start) / 1e9);
    }

    /**
     * At most {@code limit} images of {@code ds}: images floor(i * size / limit) for i < limit,
     * spread over the whole set (a set ordered by class, as image folders are, keeps every class).
     * 0, or a limit not below the size: the set itself.
     */
    public static Dataset evenlySpaced(Dataset ds, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0: all), got " + limit);
        }
        if (limit == 0 || limit >= ds.size()) {
            return ds;
        }
        int size = ds.size();
        return new Dataset() {
            private int at(int i) {
                return (int) ((long) i * size / limit);
            }

            @Override
            public int size() {
                return limit;
            }

            @Override
            public Example get(int index) {
                return ds.get(at(index));
            }

            @Override
            public int numClasses() {
                return ds.numClasses();
            }

            @Override
            public List<String> classNames() {
                return ds.classNames();
            }

            @Override
            public String source(int index) {
                return ds.source(at(index));
            }

            @Override
            public String describe() {
                return ds.describe() + " (" + limit + " of its " + size + " images, evenly spaced)";
            }
        };
    }
}
