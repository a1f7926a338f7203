package dev.maejvm.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** AdamW over groups: per-group lr scale and decay against a float64 transcription of torch's AdamW; frozen parameters untouched. */
class AdamWGroupsTest {
    private static final AdamWConfig CFG = new AdamWConfig(0.9, 0.999, 1e-8, 0.05);

    /** Four parameters: a (trained, decayed, scale 1), frozen (between), b.bias (not decayed, scale 0.5), c (decayed, scale 0.25). */
    private static ParamStore store(DataType dt) {
        ParamStore s = new ParamStore(dt);
        s.register("blocks.1.a.weight", new long[] {3, 4}, new Init.Normal(1));
        s.register("frozen.weight", new long[] {5, 2}, new Init.Normal(1));
        s.register("blocks.0.b.bias", new long[] {7}, new Init.Normal(1));
        s.register("patch_embed.c.weight", new long[] {2, 3}, new Init.Normal(1));
        return s.build(3);
    }

    private static ParamGroups groups() {
        return ParamGroups.layerDecay(1, 0.5).only(n -> !n.startsWith("frozen"));
    }

    private static double[] run(DataType dt, double[][] gradsPerStep) {
        ParamStore s = store(dt);
        groups().applyTrainable(s);
        AdamW opt = new AdamW(s, CFG, groups());
        for (double[] g : gradsPerStep) {
            s.grads().assign(Nd4j.create(g).castTo(dt));
            opt.update(1e-2);
        }
        return s.values().castTo(DataType.DOUBLE).toDoubleVector();
    }

    @Test
    void eachGroupGetsItsLrAndDecayAndFrozenParametersStayBitForBit() {
        ParamStore ref = store(DataType.DOUBLE);
        groups().applyTrainable(ref);
        assertEquals(12 + 7 + 6, ref.gradSize());
        double[] start = ref.values().toDoubleVector();
        Random rng = new Random(4);
        double[][] grads = new double[3][(int) ref.gradSize()];
        for (double[] g : grads) {
            for (int i = 0; i < g.length; i++) {
                g[i] = rng.nextGaussian();
            }
        }
        // torch.optim.AdamW per group, lr_g = lr * lr_scale, in float64
        double[] p = start.clone();
        double[] m = new double[grads[0].length];
        double[] v = new double[grads[0].length];
        long[][] layout = {{0, 0, 12}, {22, 12, 7}, {29, 19, 6}};        // value start, grad start, length
        double[] scale = {Math.pow(0.5, 2 - 2), Math.pow(0.5, 2 - 1), Math.pow(0.5, 2 - 0)};
        boolean[] decay = {true, false, true};
        for (int t = 1; t <= grads.length; t++) {
            for (int r = 0; r < 3; r++) {
                double lr = 1e-2 * scale[r];
                for (int j = 0; j < layout[r][2]; j++) {
                    int pi = (int) layout[r][0] + j;
                    int gi = (int) layout[r][1] + j;
                    if (decay[r]) {
                        p[pi] *= 1 - lr * 0.05;
                    }
                    m[gi] = 0.9 * m[gi] + 0.1 * grads[t - 1][gi];
                    v[gi] = 0.999 * v[gi] + 0.001 * grads[t - 1][gi] * grads[t - 1][gi];
                    double mh = m[gi] / (1 - Math.pow(0.9, t));
                    double vh = v[gi] / (1 - Math.pow(0.999, t));
                    p[pi] -= lr * mh / (Math.sqrt(vh) + 1e-8);
                }
            }
        }
        double[] ours64 = run(DataType.DOUBLE, grads);
        assertArrayEquals(p, ours64, 1e-12, "the portable path, float64");
        double[] ours32 = run(DataType.FLOAT, grads);
        assertArrayEquals(p, ours32, 1e-5, "the fused path, float32");
        float[] start32 = store(DataType.FLOAT).values().toFloatVector();
        for (int i = 12; i < 22; i++) {
            assertEquals(start32[i], (float) ours32[i], 0f, "frozen value " + i + " untouched");
            assertEquals(start[i], ours64[i], 0.0);
        }
    }

    @Test
    void momentsExistOnlyForTrainableParameters() {
        ParamStore s = store(DataType.FLOAT);
        groups().applyTrainable(s);
        AdamW opt = new AdamW(s, CFG, groups());
        assertFalse(opt.state().containsKey(AdamW.EXP_AVG + "frozen.weight"));
        assertTrue(opt.state().containsKey(AdamW.EXP_AVG_SQ + "patch_embed.c.weight"));
        assertEquals(s.gradSize(), opt.firstMoment().length());
        for (Param p : s.trainableParams()) {
            INDArray e = opt.state().get(AdamW.EXP_AVG + p.name());
            assertArrayEquals(p.shape(), e.shape());
        }
    }
}
