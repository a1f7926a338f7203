package dev.maejvm.vit.engine;

import java.util.SplittableRandom;

/**
 * Initialisation rules, as the official MAE ({@code models_mae.py: initialize_weights,
 * _init_weights}) applies them.
 */
public sealed interface Init {

    /** Fills {@code out} (row-major values of a tensor of the given shape). */
    void fill(double[] out, long[] shape, SplittableRandom rng);

    /**
     * Xavier/Glorot uniform, U(-a, a) with a = sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio
     * 2010; torch.nn.init.xavier_uniform_). MAE uses it for every Linear weight [out, in] and for
     * the patch-embedding weight viewed as [D, C*p*p].
     */
    record XavierUniform(long fanIn, long fanOut) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            double a = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rng.nextDouble() - 1) * a;
            }
        }
    }

    /** Normal(0, std): MAE's cls and mask tokens use std 0.02 ({@code torch.nn.init.normal_}). */
    record Normal(double std) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            for (int i = 0; i < out.length; i++) {
                out[i] = gaussian(rng) * std;
            }
        }
    }

    /**
     * Truncated normal within ±2 std (timm's {@code trunc_normal_}); MAE's fine-tuning head uses
     * std 2e-5.
     */
    record TruncNormal(double std) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            for (int i = 0; i < out.length; i++) {
                double g;
                do {
                    g = gaussian(rng);
                } while (Math.abs(g) > 2);
                out[i] = g * std;
            }
        }
    }

    /**
     * U(-bound, bound). The official MAE never re-initialises the patch-embedding conv's bias, so
     * it keeps PyTorch's Conv2d default, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = C*p*p.
     */
    record Uniform(double bound) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rng.nextDouble() - 1) * bound;
            }
        }
    }

    /** A constant: LayerNorm weight 1 and bias 0, Linear biases 0. */
    record Constant(double value) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            java.util.Arrays.fill(out, value);
        }
    }

    Init ZEROS = new Constant(0);
    Init ONES = new Constant(1);

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
