package dev.maejvm.vit.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Image patches into rows in one pass (patchify and the patch embedding's input). For float32 host arrays (check {@link FusedKernels#applies} first); work is spread over
 * the cores with {@link FusedKernels}' loops.
 */
public final class PatchKernels {
    private PatchKernels() {}

    /**
     * Gathers image patches into rows: row i of out is patch rows[i] of the [N*L] patch list
     * (n * L + patch, patches in row-major grid order), its C*p*p values in (c, p, q) order for
     * the patch embedding or (p, q, c) order for MAE's patchify. One pass over the images instead
     * of ND4J's six-axis permute and a row gather.
     *
     * @param imgs [N, C, H, W]
     * @param rows the patches to take, or null for all of them in order
     * @param out [rows, C*p*p]
     */
    public static void gatherPatches(INDArray imgs, int p, boolean channelsLast, int[] rows, INDArray out) {
        int c = (int) imgs.size(1);
        int h = (int) imgs.size(2);
        int w = (int) imgs.size(3);
        int gw = w / p;
        int l = (h / p) * gw;
        int count = rows == null ? (int) (imgs.size(0) * l) : rows.length;
        int width = c * p * p;
        if (out.size(0) != count || out.size(1) != width) {
            throw new IllegalArgumentException("patches: out " + java.util.Arrays.toString(out.shape()) + ", expected ["
                    + count + ", " + width + "]");
        }
        long all = imgs.size(0) * l;
        if (rows != null) {
            for (int r : rows) {
                if (r < 0 || r >= all) {
                    throw new IllegalArgumentException("patch row " + r + " is outside the " + all + " patches");
                }
            }
        }
        FloatBuffer ib = FusedKernels.buf(imgs), ob = FusedKernels.buf(out);
        int io = FusedKernels.off(imgs), oo = FusedKernels.off(out);
        FusedKernels.forRows(count, (from, to) -> {
            float[] patch = new float[width];
            for (int i = from; i < to; i++) {
                int row = rows == null ? i : rows[i];
                int sample = row / l;
                int y0 = (row % l) / gw * p;
                int x0 = (row % l) % gw * p;
                for (int ch = 0; ch < c; ch++) {
                    for (int py = 0; py < p; py++) {
                        int src = io + ((sample * c + ch) * h + y0 + py) * w + x0;
                        for (int px = 0; px < p; px++) {
                            patch[channelsLast ? (py * p + px) * c + ch : (ch * p + py) * p + px] = ib.get(src + px);
                        }
                    }
                }
                ob.put(oo + i * width, patch);
            }
        });
    }
}
