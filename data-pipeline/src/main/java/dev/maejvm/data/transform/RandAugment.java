package dev.maejvm.data.transform;

import dev.maejvm.data.Image;
import dev.maejvm.data.Transform;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * timm's RandAugment with its "increasing" op set, as MAE fine-tuning uses it
 * ({@code rand-m9-mstd0.5-inc1}): {@code numOps} ops drawn uniformly with replacement, each
 * applied with probability 0.5 at magnitude {@code magnitude} (of 10) plus N(0, magnitudeStd)
 * noise, clipped to [0, 10]. Pixels are in [0, 1] (before normalisation); the 8-bit thresholds
 * of PIL's ops are scaled by 255. Geometric ops sample bilinearly and fill with 0.5 (timm's
 * gray 128). Differences from timm: float pixels (no 8-bit rounding between ops), bilinear
 * only (timm picks bilinear or bicubic at random), Equalize over 256 levels.
 */
public record RandAugment(int numOps, double magnitude, double magnitudeStd) implements Transform {
    public static final double MAX_LEVEL = 10;

    public RandAugment {
        if (numOps <= 0 || !(magnitude >= 0 && magnitude <= MAX_LEVEL) || !(magnitudeStd >= 0)) {
            throw new IllegalArgumentException("RandAugment needs numOps > 0, 0 <= magnitude <= 10, magnitudeStd >= 0; got "
                    + numOps + ", " + magnitude + ", " + magnitudeStd);
        }
    }

    /** MAE fine-tuning's rand-m9-mstd0.5-inc1: two ops at magnitude 9, std 0.5. */
    public static RandAugment maeFinetune() {
        return new RandAugment(2, 9, 0.5);
    }

    /** The ops; {@code level} is the magnitude as a fraction in [0, 1]; signed ops flip sign with probability 0.5. */
    public enum Op {
        AUTO_CONTRAST, EQUALIZE, INVERT, ROTATE, POSTERIZE, SOLARIZE, SOLARIZE_ADD, COLOR, CONTRAST, BRIGHTNESS,
        SHARPNESS, SHEAR_X, SHEAR_Y, TRANSLATE_X, TRANSLATE_Y;

        public Image apply(Image img, double level, RandomGenerator rng) {
            double sign = rng.nextBoolean() ? 1 : -1;
            return switch (this) {
                case AUTO_CONTRAST -> Ops.autoContrast(img);
                case EQUALIZE -> Ops.equalize(img);
                case INVERT -> Ops.map(img, v -> 1 - v);
                case ROTATE -> Ops.affine(img, Ops.rotation(Math.toRadians(30 * level * sign), img));
                case POSTERIZE -> Ops.posterize(img, 4 - (int) (level * 4));
                case SOLARIZE -> {
                    float t = (float) ((256 - level * 256) / 255);
                    yield Ops.map(img, v -> v >= t ? 1 - v : v);
                }
                case SOLARIZE_ADD -> {
                    float add = (float) (Math.floor(level * 110) / 255);
                    yield Ops.map(img, v -> v < 128f / 255 ? Math.min(1, v + add) : v);
                }
                case COLOR -> Ops.blend(Ops.gray(img, false), img, 1 + 0.9 * level * sign);
                case CONTRAST -> Ops.blend(Ops.gray(img, true), img, 1 + 0.9 * level * sign);
                case BRIGHTNESS -> Ops.blend(Ops.map(img, v -> 0), img, 1 + 0.9 * level * sign);
                case SHARPNESS -> Ops.blend(Ops.smooth(img), img, 1 + 0.9 * level * sign);
                case SHEAR_X -> Ops.affine(img, new double[] {1, 0.3 * level * sign, 0, 0, 1, 0});
                case SHEAR_Y -> Ops.affine(img, new double[] {1, 0, 0, 0.3 * level * sign, 1, 0});
                case TRANSLATE_X -> Ops.affine(img, new double[] {1, 0, 0.45 * level * sign * img.width(), 0, 1, 0});
                case TRANSLATE_Y -> Ops.affine(img, new double[] {1, 0, 0, 0, 1, 0.45 * level * sign * img.height()});
            };
        }
    }

    private static final List<Op> OPS = List.of(Op.values());

    @Override
    public Image apply(Image img, RandomGenerator rng) {
        Image out = img;
        for (int i = 0; i < numOps; i++) {
            Op op = OPS.get(rng.nextInt(OPS.size()));
            double m = magnitudeStd > 0 ? magnitude + rng.nextGaussian() * magnitudeStd : magnitude;
            m = Math.max(0, Math.min(MAX_LEVEL, m));
            if (rng.nextDouble() < 0.5) {
                out = op.apply(out, m / MAX_LEVEL, rng);
            }
        }
        return out;
    }
}
