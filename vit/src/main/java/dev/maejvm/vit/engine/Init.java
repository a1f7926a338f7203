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

    /**
     * Kaiming/He normal with the fan-out and ReLU's gain: N(0, 2 / fanOut) (He et al. 2015;
     * {@code torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")}). detectron2's
     * {@code c2_msra_fill} is this on a conv weight [Cout, Cin, kh, kw] (fanOut = Cout*kh*kw) with a
     * zero bias: {@link #c2MsraFill}.
     */
    record KaimingNormalFanOut(long fanOut) implements Init {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            double std = Math.sqrt(2.0 / fanOut);
            for (int i = 0; i < out.length; i++) {
                out[i] = gaussian(rng) * std;
            }
        }
    }

    /**
     * detectron2's {@code weight_init.c2_msra_fill} of a conv weight [Cout, Cin, k, k]: kaiming
     * normal, fan_out = Cout*k*k, ReLU gain (its bias: {@link #ZEROS}).
     */
    static Init c2MsraFill(long cout, long kernel) {
        return new KaimingNormalFanOut(cout * kernel * kernel);
    }

    /**
     * detectron2's {@code weight_init.c2_xavier_fill} of a conv weight (kaiming_uniform with a = 1:
     * U(-sqrt(3 / fanIn), sqrt(3 / fanIn)), fanIn = Cin*k*k; its bias: {@link #ZEROS}); detectron2's
     * FPN lateral and output convs and LastLevelP6P7 (FCOS's P6, P7) use it.
     */
    static Init c2XavierFill(long fanIn) {
        return new Uniform(Math.sqrt(3.0 / fanIn));
    }

    /**
     * PyTorch's default of a conv's weight and bias ({@code reset_parameters}: kaiming_uniform with
     * a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the bias in the same bound), where
     * torch's fan-in of a weight is size(1) * kh * kw: Cin*k*k for Conv2d [Cout, Cin, k, k],
     * Cout*k*k for ConvTranspose2d [Cin, Cout, k, k].
     */
    static Init torchConvDefault(long fanIn) {
        return new Uniform(1 / Math.sqrt(fanIn));
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
