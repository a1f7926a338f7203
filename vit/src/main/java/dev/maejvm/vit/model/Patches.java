package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.PatchKernels;
import dev.maejvm.vit.engine.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The official MAE's {@code patchify} / {@code unpatchify}: a patch is laid out as (p, q, c) —
 * row within the patch, column, channel — and patches in row-major grid order.
 */
public final class Patches {
    private Patches() {}

    /**
     * @param imgs [N, C, H, W]
     * @param out [N, L, p*p*C] or [N*L, p*p*C], overwritten; null to allocate
     * @return out
     */
    public static INDArray patchify(INDArray imgs, int p, INDArray out) {
        long n = imgs.size(0);
        long c = imgs.size(1);
        long h = imgs.size(2) / p;
        long w = imgs.size(3) / p;
        if (imgs.size(2) % p != 0 || imgs.size(3) % p != 0) {
            throw new IllegalArgumentException("image size " + imgs.size(2) + "x" + imgs.size(3)
                    + " is not a multiple of the patch size " + p);
        }
        INDArray target = out != null ? out : Kernels.ensure(null, imgs.dataType(), n, h * w, (long) p * p * c);
        if (FusedKernels.applies(imgs, target)) {
            PatchKernels.gatherPatches(imgs, p, true, null, target.reshape('c', n * h * w, (long) p * p * c));
            return target;
        }
        target.reshape('c', n, h, w, p, p, c)
                .assign(imgs.reshape('c', n, c, h, p, w, p).permute(0, 2, 4, 3, 5, 1));
        return target;
    }

    /**
     * @param x [N, L, p*p*C]
     * @return imgs [N, C, H, W], new
     */
    public static INDArray unpatchify(INDArray x, int p, int channels) {
        long n = x.size(0);
        long l = x.size(1);
        long h = Math.round(Math.sqrt(l));
        if (h * h != l || x.size(2) != (long) p * p * channels) {
            throw new IllegalArgumentException("cannot unpatchify " + java.util.Arrays.toString(x.shape())
                    + " with patch " + p + " and " + channels + " channels");
        }
        INDArray imgs = Kernels.ensure(null, x.dataType(), n, channels, h * p, h * p);
        imgs.reshape('c', n, channels, h, p, h, p)
                .assign(x.reshape('c', n, h, h, p, p, channels).permute(0, 5, 1, 3, 2, 4));
        return imgs;
    }
}
