package dev.maejvm.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.TrainState;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** LARS against a float64 transcription of the official {@code util/lars.py}; frozen parameters, groups' lr scales, checkpoints. */
class LarsTest {
    /**
     * float64 store vs the float64 transcription: the same operations, only the norms' summation
     * order may differ (at these sizes the two agree to the last bit today).
     */
    private static final double TOL64 = 1e-12;
    /**
     * float32 store vs the transcription in double (from the same float32 start and gradients), on
     * parameters up to ~2 after 4 steps: float32 rounding (6e-8 relative) of values, norms, the
     * trust ratio and the momentum, a few operations per step; observed up to 3e-7.
     */
    private static final double TOL32 = 1e-6;
    private static final double[] LRS = {0.3, 0.2, 0.5, 0.1};      // the schedule's lr, per step

    @TempDir
    Path dir;

    /**
     * A 2-D weight (scale 0.25), a frozen one, a 1-D norm weight (0.5), a 2-D weight (0.5), a
     * zero-valued 2-D head weight (1: the zero-norm branch at first), a 1-D bias (1) and a
     * [1, 1, D] cls token (0.25, decayed by LARS although layerDecay flags it no-decay).
     */
    private static ParamStore store(DataType dt) {
        ParamStore s = new ParamStore(dt);
        s.register("patch_embed.proj.weight", new long[] {3, 4}, new Init.Normal(1));
        s.register("frozen.weight", new long[] {2, 5}, new Init.Normal(1));
        s.register("blocks.0.norm1.weight", new long[] {4}, new Init.Normal(1));
        s.register("blocks.0.mlp.fc1.weight", new long[] {4, 3}, new Init.Normal(1));
        s.register("head.weight", new long[] {5, 4}, Init.ZEROS);
        s.register("head.bias", new long[] {5}, new Init.Normal(1));
        s.register("cls_token", new long[] {1, 1, 4}, new Init.Normal(1));
        return s.build(3);
    }

    private static ParamGroups groups() {
        return ParamGroups.layerDecay(1, 0.5).only(n -> !n.startsWith("frozen"));
    }

    private static double[][] grads(long size, int steps, long seed) {
        Random rng = new Random(seed);
        double[][] g = new double[steps][(int) size];
        for (double[] step : g) {
            for (int i = 0; i < step.length; i++) {
                step[i] = rng.nextGaussian();
            }
        }
        return g;
    }

    private static double[] rounded(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    /** The official lars.py step by step in double, over the store's layout; returns {values, mu}. */
    private static double[][] reference(ParamStore layout, ParamGroups groups, LarsConfig cfg, double[] start, double[][] grads) {
        double[] p = start.clone();
        double[] mu = new double[(int) layout.gradSize()];
        for (int t = 0; t < grads.length; t++) {
            for (Param param : layout.trainableParams()) {
                int v0 = (int) param.offset();
                int g0 = (int) param.gradOffset();
                int n = (int) param.length();
                double[] dp = new double[n];
                for (int j = 0; j < n; j++) {
                    dp[j] = grads[t][g0 + j];
                }
                if (param.rank() > 1) {
                    double pn = 0;
                    double un = 0;
                    for (int j = 0; j < n; j++) {
                        dp[j] += cfg.weightDecay() * p[v0 + j];
                        pn += p[v0 + j] * p[v0 + j];
                        un += dp[j] * dp[j];
                    }
                    pn = Math.sqrt(pn);
                    un = Math.sqrt(un);
                    double q = pn > 0 && un > 0 ? cfg.trustCoefficient() * pn / un : 1;
                    for (int j = 0; j < n; j++) {
                        dp[j] *= q;
                    }
                }
                double lr = LRS[t] * groups.of(param).lrScale();
                for (int j = 0; j < n; j++) {
                    mu[g0 + j] = cfg.momentum() * mu[g0 + j] + dp[j];
                    p[v0 + j] -= lr * mu[g0 + j];
                }
            }
        }
        return new double[][] {p, mu};
    }

    private static Lars run(ParamStore s, LarsConfig cfg, double[][] grads) {
        groups().applyTrainable(s);
        Lars opt = new Lars(s, cfg, groups());
        for (int t = 0; t < grads.length; t++) {
            s.grads().assign(Nd4j.createFromArray(grads[t]).castTo(s.dataType()));
            opt.update(LRS[t]);
        }
        return opt;
    }

    private static double[] flatMu(Lars opt, ParamStore s) {
        double[] mu = new double[(int) s.gradSize()];
        for (Param p : s.trainableParams()) {
            double[] m = opt.state().get(Lars.MU + p.name()).castTo(DataType.DOUBLE).reshape(p.length()).toDoubleVector();
            System.arraycopy(m, 0, mu, (int) p.gradOffset(), m.length);
        }
        return mu;
    }

    @Test
    void fourStepsMatchTheOfficialCodeInFloat64AndFloat32() {
        for (LarsConfig cfg : List.of(LarsConfig.LINPROBE, new LarsConfig(0.8, 0.02, 0.05))) {
            ParamStore s64 = store(DataType.DOUBLE);
            groups().applyTrainable(s64);
            assertEquals(12 + 4 + 12 + 20 + 5 + 4, s64.gradSize());
            double[][] grads = grads(s64.gradSize(), LRS.length, 4);
            double[][] ref64 = reference(s64, groups(), cfg, s64.values().toDoubleVector(), grads);
            Lars opt64 = run(s64, cfg, grads);
            assertArrayEquals(ref64[0], s64.values().toDoubleVector(), TOL64, cfg + ": float64 values");
            assertArrayEquals(ref64[1], flatMu(opt64, s64), TOL64, cfg + ": float64 momentum");
            assertEquals(LRS.length, opt64.step());

            ParamStore s32 = store(DataType.FLOAT);
            double[][] grads32 = new double[grads.length][];
            for (int t = 0; t < grads.length; t++) {
                grads32[t] = rounded(grads[t]);
            }
            double[] start32 = s32.values().castTo(DataType.DOUBLE).toDoubleVector();
            groups().applyTrainable(s32);
            double[][] ref32 = reference(s32, groups(), cfg, start32, grads32);
            Lars opt32 = run(s32, cfg, grads32);
            assertArrayEquals(ref32[0], s32.values().castTo(DataType.DOUBLE).toDoubleVector(), TOL32, cfg + ": float32 values");
            assertArrayEquals(ref32[1], flatMu(opt32, s32), TOL32, cfg + ": float32 momentum");

            // the 2-D tensors moved by the trust ratio's small steps, not by lr * g
            double[] start64 = store(DataType.DOUBLE).values().toDoubleVector();
            double moved = 0;
            for (int i = 0; i < 12; i++) {
                moved = Math.max(moved, Math.abs(ref64[0][i] - start64[i]));
            }
            assertTrue(moved > 1e-5 && moved < 0.1, cfg + ": patch_embed moved by " + moved);
        }
    }

    @Test
    void frozenParametersAreUntouchedAndHaveNoMomentum() {
        ParamStore s = store(DataType.FLOAT);
        float[] before = s.values().toFloatVector();
        Lars opt = run(s, new LarsConfig(0.9, 0.02, 0.1), grads(57, 3, 5));
        float[] after = s.values().toFloatVector();
        Param frozen = s.get("frozen.weight");
        for (long i = frozen.offset(); i < frozen.offset() + frozen.length(); i++) {
            assertEquals(Float.floatToRawIntBits(before[(int) i]), Float.floatToRawIntBits(after[(int) i]), "frozen value " + i);
        }
        assertEquals(List.of("mu.patch_embed.proj.weight", "mu.blocks.0.norm1.weight", "mu.blocks.0.mlp.fc1.weight",
                "mu.head.weight", "mu.head.bias", "mu.cls_token"), List.copyOf(opt.state().keySet()));
        for (Param p : s.trainableParams()) {
            assertArrayEquals(p.shape(), opt.state().get(Lars.MU + p.name()).shape(), p.name());
        }
    }

    /** ||p|| = 0 or ||dp|| = 0: q = 1, so a zero weight takes a plain momentum-SGD step and a zero gradient leaves it. */
    @Test
    void zeroNormsTakeTrustRatioOne() {
        ParamStore s = new ParamStore(DataType.DOUBLE);
        s.register("a.weight", new long[] {2, 3}, Init.ZEROS);             // ||p|| = 0
        s.register("b.weight", new long[] {3, 2}, new Init.Normal(1));     // ||dp|| = 0 (zero gradient, no decay)
        s.build(1);
        Lars opt = new Lars(s, LarsConfig.LINPROBE);
        double[] g = {1, -2, 3, 0.5, -0.25, 4};
        INDArray b0 = s.get("b.weight").value().dup();
        s.get("a.weight").grad().assign(Nd4j.createFromArray(g).reshape(2, 3));
        opt.update(0.5);
        assertArrayEquals(Arrays.stream(g).map(x -> -0.5 * x).toArray(),
                s.get("a.weight").value().reshape(6).toDoubleVector(), 0.0, "p = -lr * g (q = 1)");
        assertArrayEquals(g, opt.state().get("mu.a.weight").reshape(6).toDoubleVector(), 0.0, "mu = g");
        assertEquals(b0, s.get("b.weight").value(), "a zero update leaves the weight");
        // a second step: now ||p|| > 0, and the trust ratio applies
        opt.update(0.5);
        double pn = 0.5 * Math.sqrt(Arrays.stream(g).map(x -> x * x).sum());
        double gn = Math.sqrt(Arrays.stream(g).map(x -> x * x).sum());
        double q = 0.001 * pn / gn;
        assertEquals(-0.5 * 1 - 0.5 * (0.9 * 1 + q * 1), s.get("a.weight").value().getDouble(0, 0), 1e-15);
    }

    @Test
    void eachParameterGetsItsGroupsLrScale() {
        ParamStore s = new ParamStore(DataType.DOUBLE);
        s.register("patch_embed.proj.bias", new long[] {3}, Init.ZEROS);     // layer 0 of depth 1: scale 0.5^2
        s.register("blocks.0.norm1.bias", new long[] {3}, Init.ZEROS);       // layer 1: 0.5
        s.register("head.bias", new long[] {3}, Init.ZEROS);                 // layer 2: 1
        s.build(1);
        Lars opt = new Lars(s, LarsConfig.LINPROBE, ParamGroups.layerDecay(1, 0.5));
        s.grads().assign(1);
        opt.update(0.8);
        assertEquals(-0.8 * 0.25, s.get("patch_embed.proj.bias").value().getDouble(0), 1e-15);
        assertEquals(-0.8 * 0.5, s.get("blocks.0.norm1.bias").value().getDouble(0), 1e-15);
        assertEquals(-0.8, s.get("head.bias").value().getDouble(0), 1e-15);
    }

    @Test
    void theGroupsMustMatchTheStoresTrainableFlags() {
        ParamStore s = store(DataType.FLOAT);                              // everything trains
        assertThrows(IllegalStateException.class, () -> new Lars(s, LarsConfig.LINPROBE, groups()));
    }

    @Test
    void configIsValidated() {
        assertEquals(new LarsConfig(0.9, 0.001, 0), LarsConfig.LINPROBE);
        assertThrows(IllegalArgumentException.class, () -> new LarsConfig(1, 0.001, 0));
        assertThrows(IllegalArgumentException.class, () -> new LarsConfig(-0.1, 0.001, 0));
        assertThrows(IllegalArgumentException.class, () -> new LarsConfig(0.9, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LarsConfig(0.9, 0.001, -1));
        assertThrows(IllegalArgumentException.class, () -> new LarsConfig(0.9, Double.NaN, 0));
    }

    /** Save after two steps, restore into a fresh store and optimiser: the third step is bit for bit the same. */
    @Test
    void aCheckpointRoundTripGivesTheIdenticalNextStep() throws IOException {
        LarsConfig cfg = new LarsConfig(0.9, 0.02, 0.05);
        double[][] grads = grads(57, 3, 6);
        ParamStore s = store(DataType.FLOAT);
        groups().applyTrainable(s);
        Lars opt = new Lars(s, cfg, groups());
        for (int t = 0; t < 2; t++) {
            s.grads().assign(Nd4j.createFromArray(grads[t]).castTo(DataType.FLOAT));
            opt.update(LRS[t]);
        }
        Path file = Checkpoint.save(dir.resolve("c.safetensors"), Checkpoint.Kind.LINPROBE, Map.of("head.", s), opt,
                Map.of(), 7, new TrainState(1, 0, 2, null), new Checkpoint.DataInfo("d", new float[] {0}, new float[] {1}));

        ParamStore s2 = store(DataType.FLOAT);
        groups().applyTrainable(s2);
        Lars opt2 = new Lars(s2, cfg, groups());
        Checkpoint.restore(file, Checkpoint.Kind.LINPROBE, Map.of("head.", s2), opt2);
        assertEquals(2, opt2.step());
        assertEquals(s.values(), s2.values());
        for (Map.Entry<String, INDArray> e : opt.state().entrySet()) {
            assertEquals(e.getValue(), opt2.state().get(e.getKey()), e.getKey());
        }
        for (ParamStore x : List.of(s, s2)) {
            x.grads().assign(Nd4j.createFromArray(grads[2]).castTo(DataType.FLOAT));
        }
        opt.update(LRS[2]);
        opt2.update(LRS[2]);
        assertArrayEquals(s.values().toFloatVector(), s2.values().toFloatVector(), 0f, "the next step, bit for bit");
    }
}
