package dev.maejvm.data.transform;

import dev.maejvm.data.Batch;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's Mixup / CutMix in its default 'batch' mode, for fine-tuning: one lambda per batch, and
 * sample i is mixed with sample B-1-i (the batch flipped). With both alphas positive, CutMix is
 * chosen with probability {@code switchProb}; mixing happens with probability {@code prob}.
 * Mixup: {@code x = lam x + (1 - lam) x_flipped}, lam ~ Beta(mixupAlpha, mixupAlpha). CutMix:
 * a box of side ratio sqrt(1 - lam) centred uniformly (clipped to the image) is pasted from the
 * flipped batch, and lam is corrected to the area kept. Targets are label-smoothed one-hot
 * vectors mixed with the same lam. MAE fine-tuning: mixup 0.8, cutmix 1.0, switch 0.5,
 * smoothing 0.1.
 */
public record MixupCutmix(double mixupAlpha, double cutmixAlpha, double prob, double switchProb, double labelSmoothing,
                          int numClasses) {
    public MixupCutmix {
        if (mixupAlpha < 0 || cutmixAlpha < 0 || mixupAlpha + cutmixAlpha == 0) {
            throw new IllegalArgumentException("mixupAlpha and cutmixAlpha must be >= 0 and not both 0");
        }
        if (!(prob >= 0 && prob <= 1) || !(switchProb >= 0 && switchProb <= 1) || !(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("prob, switchProb in [0, 1] and labelSmoothing in [0, 1) required");
        }
        if (numClasses <= 1) {
            throw new IllegalArgumentException("numClasses must be > 1, got " + numClasses);
        }
    }

    public static MixupCutmix maeFinetune(int numClasses) {
        return new MixupCutmix(0.8, 1.0, 1.0, 0.5, 0.1, numClasses);
    }

    /**
     * A mixed batch.
     *
     * @param images [B, C, H, W]
     * @param targets [B, numClasses], each row summing to 1
     * @param lambda the share of each sample's own image (after CutMix's area correction)
     */
    public record Mixed(INDArray images, INDArray targets, double lambda, boolean cutmix) {}

    public Mixed apply(Batch batch, RandomGenerator rng) {
        long[] s = batch.images().shape();
        float[] x = batch.images().dup().data().asFloat();
        int b = (int) s[0];
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        double lam = 1;
        boolean useCutmix = false;
        if (rng.nextDouble() < prob) {
            useCutmix = cutmixAlpha > 0 && (mixupAlpha == 0 || rng.nextDouble() < switchProb);
            lam = beta(useCutmix ? cutmixAlpha : mixupAlpha, rng);
            if (useCutmix) {
                int[] box = cutBox(h, w, lam, rng);
                lam = cutmix(x, b, c, h, w, box);
            } else {
                mixup(x, b, lam);
            }
        }
        float[] t = targets(batch.labels(), lam);
        return new Mixed(Nd4j.create(x, s, 'c').castTo(DataType.FLOAT), Nd4j.create(t, new long[] {b, numClasses}, 'c'), lam, useCutmix);
    }

    /** In place: sample i becomes lam * x_i + (1 - lam) * x_(B-1-i); x is [B, per-sample values]. */
    public static void mixup(float[] x, int batch, double lam) {
        int per = x.length / batch;
        float[] orig = x.clone();
        for (int i = 0; i < batch; i++) {
            int j = batch - 1 - i;
            for (int k = 0; k < per; k++) {
                x[i * per + k] = (float) (lam * orig[i * per + k] + (1 - lam) * orig[j * per + k]);
            }
        }
    }

    /** In place: box {y0, y1, x0, x1} of every sample from its flipped partner; returns the area share kept. */
    public static double cutmix(float[] x, int batch, int c, int h, int w, int[] box) {
        float[] orig = x.clone();
        int per = c * h * w;
        for (int i = 0; i < batch; i++) {
            int j = batch - 1 - i;
            for (int ch = 0; ch < c; ch++) {
                for (int y = box[0]; y < box[1]; y++) {
                    int row = ch * h * w + y * w;
                    System.arraycopy(orig, j * per + row + box[2], x, i * per + row + box[2], box[3] - box[2]);
                }
            }
        }
        return 1 - (double) (box[1] - box[0]) * (box[3] - box[2]) / (h * w);
    }

    /** timm's rand_bbox: cut size (int) (side * sqrt(1 - lam)), centre uniform, clipped; {y0, y1, x0, x1}. */
    static int[] cutBox(int h, int w, double lam, RandomGenerator rng) {
        double ratio = Math.sqrt(1 - lam);
        int ch = (int) (h * ratio);
        int cw = (int) (w * ratio);
        int cy = rng.nextInt(h);
        int cx = rng.nextInt(w);
        return new int[] {clip(cy - ch / 2, h), clip(cy + ch / 2, h), clip(cx - cw / 2, w), clip(cx + cw / 2, w)};
    }

    private static int clip(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    /** Label-smoothed one-hot targets, mixed: lam * smooth(y_i) + (1 - lam) * smooth(y_(B-1-i)). */
    public float[] targets(int[] labels, double lam) {
        int b = labels.length;
        float off = (float) (labelSmoothing / numClasses);
        float on = (float) (1 - labelSmoothing) + off;
        float[] t = new float[b * numClasses];
        for (int i = 0; i < b; i++) {
            int own = labels[i];
            int other = labels[b - 1 - i];
            if (own < 0 || own >= numClasses || other < 0 || other >= numClasses) {
                throw new IllegalArgumentException("mixup needs labels in [0, " + numClasses + "), got " + own + " / " + other);
            }
            for (int k = 0; k < numClasses; k++) {
                t[i * numClasses + k] = off;
            }
            t[i * numClasses + own] += (float) (lam * (on - off));
            t[i * numClasses + other] += (float) ((1 - lam) * (on - off));
        }
        return t;
    }

    /** Beta(a, a) from two Gamma(a) draws (Marsaglia and Tsang, with the a < 1 boost). */
    static double beta(double a, RandomGenerator rng) {
        double x = gamma(a, rng);
        double y = gamma(a, rng);
        return x / (x + y);
    }

    static double gamma(double a, RandomGenerator rng) {
        if (a < 1) {
            return gamma(a + 1, rng) * Math.pow(rng.nextDouble(), 1 / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = rng.nextGaussian();
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
