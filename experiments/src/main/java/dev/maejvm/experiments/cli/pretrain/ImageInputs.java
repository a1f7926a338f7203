package dev.maejvm.experiments.cli.pretrain;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;
import dev.maejvm.data.decode.ImageDecoder;
import dev.maejvm.data.source.Datasets;
import dev.maejvm.data.transform.Interpolation;
import dev.maejvm.data.transform.Transforms;
import dev.maejvm.vit.model.ViTConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Images given on the command line, prepared as the model's evaluation input. */
final class ImageInputs {
    private ImageInputs() {}

    /**
     * Image files, folders of images or dataset files, at most {@code limit} images in order,
     * resized and centre-cropped to the model's size and normalised.
     *
     * @return [N, C, H, W]
     */
    static INDArray load(List<Path> inputs, int limit, ViTConfig enc, float[] mean, float[] std) {
        Transform eval = Transforms.toChannels(enc.inChans())
                .then(Transforms.resizeCenterCrop(enc.imgSize(), Interpolation.BICUBIC))
                .then(Transforms.normalize(mean, std));
        ImageDecoder decoder = new ImageDecoder();
        List<Image> imgs = new ArrayList<>();
        for (Path p : inputs) {
            if (imgs.size() >= limit) {
                break;
            }
            if (Files.isRegularFile(p) && !p.getFileName().toString().contains("idx")) {
                imgs.add(eval.apply(decoder.decode(p), new SplittableRandom(0)));
            } else {
                Dataset ds = Datasets.open(p, false);
                for (int i = 0; i < ds.size() && imgs.size() < limit; i++) {
                    imgs.add(eval.apply(ds.get(i).image(), new SplittableRandom(0)));
                }
            }
        }
        if (imgs.isEmpty()) {
            throw new IllegalArgumentException("--images: no images in " + inputs);
        }
        return toArray(imgs);
    }

    private static INDArray toArray(List<Image> imgs) {
        Image f = imgs.get(0);
        int per = f.pixels().length;
        float[] flat = new float[per * imgs.size()];
        for (int i = 0; i < imgs.size(); i++) {
            System.arraycopy(imgs.get(i).pixels(), 0, flat, i * per, per);
        }
        return Nd4j.create(flat, new long[] {imgs.size(), f.channels(), f.height(), f.width()}, DataType.FLOAT);
    }
}
