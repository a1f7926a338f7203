package dev.maejvm.pretrain.data;

import dev.maejvm.data.Batch;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.source.FashionMnist;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;
import dev.maejvm.train.BatchSource;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.vit.model.ViTConfig;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MAE pretraining's data recipe (the official {@code main_pretrain.py}): random resized crop
 * (scale 0.2-1, bicubic) and horizontal flip, normalised, on the loader's worker threads ahead of
 * the model; Fashion-MNIST without a source (the quick start).
 */
public final class MaeDataRecipe {
    /** The official MAE normalises RGB with the ImageNet statistics. */
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    private static final int STAT_SAMPLES = 2000;

    private MaeDataRecipe() {}

    /**
     * @param source images (a folder, IDX, CIFAR, a list file), or null for Fashion-MNIST's training set
     * @param onBadImage {@code fail} or {@code skip}
     */
    public static MaeData open(Path source, PretrainConfig cfg, int workers, String onBadImage) {
        return open(source, cfg, workers, onBadImage, BatchSplit.WHOLE);
    }

    /**
     * @param split this rank's part of every batch of {@code cfg.batchSize()} (data-parallel
     *     training); {@link BatchSplit#WHOLE} in a single process
     */
    public static MaeData open(Path source, PretrainConfig cfg, int workers, String onBadImage, BatchSplit split) {
        Path path = source != null ? source : FashionMnist.trainImages();
        Dataset ds = Datasets.open(path, false);
        ViTConfig enc = cfg.model().encoder();
        float[][] stats = statistics(ds, source == null, enc);
        Transform eval = Transforms.toChannels(enc.inChans())
                .then(Transforms.resizeCenterCrop(enc.imgSize(), Interpolation.BICUBIC))
                .then(Transforms.normalize(stats[0], stats[1]));
        Transform train = Transforms.toChannels(enc.inChans())
                .then(Transforms.maePretrainCrop(enc.imgSize()))
                .then(Transforms.horizontalFlip(0.5))
                .then(Transforms.normalize(stats[0], stats[1]));
        DataLoader loader = DataLoader.builder(ds).batchSize(cfg.batchSize()).shuffle(true).dropLast(true)
                .seed(cfg.seed()).workers(workers).prefetch(Math.max(2, 2 * workers)).transform(train).split(split)
                .onBadImage(OnBadImage.parse(onBadImage)).build();
        return new LoaderData(loader, eval, stats[0], stats[1]);
    }

    /**
     * Fashion-MNIST: its known statistics. RGB: ImageNet's (as the official code). Otherwise
     * estimated from up to 2000 images spread over the dataset.
     */
    public static float[][] statistics(Dataset ds, boolean fashionMnist, ViTConfig enc) {
        if (fashionMnist) {
            return new float[][] {{FashionMnist.MEAN}, {FashionMnist.STD}};
        }
        if (enc.inChans() == 3) {
            return new float[][] {IMAGENET_MEAN, IMAGENET_STD};
        }
        Transform prep = Transforms.toChannels(enc.inChans()).then(Transforms.resizeCenterCrop(enc.imgSize(), Interpolation.BILINEAR));
        int c = enc.inChans();
        double[] sum = new double[c];
        double[] sq = new double[c];
        long count = 0;
        int step = Math.max(1, ds.size() / STAT_SAMPLES);
        for (int i = 0; i < ds.size(); i += step) {
            Image img = prep.apply(ds.get(i).image(), new SplittableRandom(0));
            int plane = img.height() * img.width();
            for (int k = 0; k < img.pixels().length; k++) {
                sum[k / plane] += img.pixels()[k];
                sq[k / plane] += img.pixels()[k] * img.pixels()[k];
            }
            count += plane;
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int k = 0; k < c; k++) {
            mean[k] = (float) (sum[k] / count);
            std[k] = (float) Math.max(1e-3, Math.sqrt(sq[k] / count - mean[k] * (double) mean[k]));
        }
        return new float[][] {mean, std};
    }

    private record LoaderData(DataLoader loader, Transform eval, float[] mean, float[] std) implements MaeData {
        @Override
        public BatchSource<INDArray> batches() {
            return new BatchSource<INDArray>() {
                @Override
                public int batchesPerEpoch() {
                    return loader.batchesPerEpoch();
                }

                @Override
                public Iterator<INDArray> epoch(int epoch, int fromBatch) {
                    Iterator<Batch> it = loader.epoch(epoch, fromBatch);
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public INDArray next() {
                            return it.next().images();
                        }
                    };
                }

                @Override
                public String describe() {
                    return loader.dataset().describe();
                }

                @Override
                public List<String> skipped() {
                    return loader.skipped();
                }
            };
        }

        @Override
        public INDArray samples(int n) {
            return stack(loader.dataset(), Math.min(n, loader.dataset().size()), eval);
        }

        @Override
        public void close() {
            loader.close();
        }
    }

    /** The first n images of a dataset through a transform, as [n, C, H, W]. */
    private static INDArray stack(Dataset ds, int n, Transform t) {
        Image first = null;
        float[] flat = null;
        for (int i = 0; i < n; i++) {
            Image img = t.apply(ds.get(i).image(), new SplittableRandom(0));
            if (first == null) {
                first = img;
                flat = new float[img.pixels().length * n];
            }
            System.arraycopy(img.pixels(), 0, flat, i * img.pixels().length, img.pixels().length);
        }
        return Nd4j.create(flat, new long[] {n, first.channels(), first.height(), first.width()}, DataType.FLOAT);
    }
}
