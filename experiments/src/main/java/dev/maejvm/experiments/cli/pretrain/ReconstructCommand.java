package dev.maejvm.experiments.cli.pretrain;

import dev.maejvm.train.Checkpoint;
import dev.maejvm.pretrain.checkpoint.PretrainCheckpoint;
import dev.maejvm.pretrain.recon.Reconstruction;
import dev.maejvm.pretrain.recon.ReconstructionPicture;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mae reconstruct}: what a checkpoint makes of given images. Per image a PNG grid
 * (original, masked, reconstruction, reconstruction with the visible patches pasted back); the
 * raw prediction and the mask as .npy; the loss over removed patches on stdout.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Reconstruct images with a pretraining checkpoint: PNG grids, prediction.npy, mask.npy, the loss.")
public final class ReconstructCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A pretraining checkpoint.")
    Path checkpoint;

    @Option(names = "--images", required = true, split = ",",
            description = "Image files, a folder of images, or a dataset file (IDX, CIFAR); comma-separated.")
    List<Path> images;

    @Option(names = "--limit", defaultValue = "8", description = "At most this many images. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the masking noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--noise", description = "Masking noise as a .npy of shape [N, L] (instead of --seed), e.g. from PyTorch.")
    Path noise;

    @Option(names = "--mask-ratio", description = "Share of patches removed. Default: the checkpoint's.")
    Double maskRatio;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PretrainCheckpoint.Loaded loaded = PretrainCheckpoint.loadModel(checkpoint);
        Checkpoint.Info info = loaded.info();
        PretrainConfig cfg = loaded.config();
        MaskedAutoencoder model = loaded.model();
        float[] mean = info.mean() != null ? info.mean() : new float[cfg.model().encoder().inChans()];
        float[] std = info.std() != null ? info.std() : filled(cfg.model().encoder().inChans(), 1f);
        INDArray imgs = ImageInputs.load(images, limit, cfg.model().encoder(), mean, std);       // [N, C, H, W]
        int n = (int) imgs.size(0);
        int l = cfg.model().encoder().numPatches();
        double ratio = maskRatio != null ? maskRatio : cfg.maskRatio();
        Masking masking;
        if (noise != null) {
            INDArray nz = Nd4j.createFromNpyFile(noise.toFile()).castTo(DataType.DOUBLE);
            if (nz.rank() != 2 || nz.size(0) != n || nz.size(1) != l) {
                throw new IllegalArgumentException("--noise " + noise + " has shape " + java.util.Arrays.toString(nz.shape())
                        + ", expected [" + n + ", " + l + "] for " + n + " images of " + l + " patches");
            }
            masking = Masking.fromNoise(nz.toDoubleMatrix(), ratio);
        } else {
            masking = Masking.random(n, l, ratio, new SplittableRandom(seed));
        }
        Reconstruction r = Reconstruction.of(model, imgs, masking);
        Files.createDirectories(out);
        int scale = Math.max(1, 112 / cfg.model().encoder().imgSize());
        for (int i = 0; i < n; i++) {
            ReconstructionPicture.write(ReconstructionPicture.render(r, i, mean, std, cfg.model().encoder().patchSize(), scale),
                    out.resolve(String.format("reconstruction-%d.png", i)));
        }
        Nd4j.writeAsNumpy(r.prediction(), new File(out.resolve("prediction.npy").toString()));
        Nd4j.writeAsNumpy(r.mask(), new File(out.resolve("mask.npy").toString()));
        System.out.printf("loss over removed patches: %.6f (%d images, mask ratio %.2f%s)%n", r.loss(), n, ratio,
                r.denormalised() ? ", norm-pix predictions de-normalised in the pictures" : "");
        System.err.printf("wrote %d pictures, prediction.npy [N, L, p*p*C] and mask.npy [N, L] (1 = removed) to %s%n", n, out);
        return 0;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
