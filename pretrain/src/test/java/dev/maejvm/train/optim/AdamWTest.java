package dev.maejvm.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.layers.LayerNorm;
import dev.maejvm.vit.layers.Linear;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** AdamW's fused float32 pass against its portable ND4J-op path, which runs in float64. */
class AdamWTest {
    /** Parameters are O(0.1-1); each step moves them by ~lr = 1e-2; float32 rounding of that. */
    static final double TOL = 1e-6;

    static ParamStore store(DataType dt) {
        ParamStore s = new ParamStore(dt);
        new Linear(s, "fc", 300, 70);          // weights decay, biases do not; 21,070 values: 6 chunks
        new LayerNorm(s, "norm", 70, 1e-6);
        return s.build(4);
    }

    @Test
    void fusedUpdateMatchesThePortablePath() {
        ParamStore s32 = store(DataType.FLOAT);
        ParamStore s64 = store(DataType.DOUBLE);
        s64.values().assign(s32.values().castTo(DataType.DOUBLE));
        assertTrue(FusedKernels.applies(s32.values()), "float32 takes the fused path");
        AdamWConfig cfg = new AdamWConfig(0.9, 0.95, 1e-8, 0.05);
        AdamW a32 = new AdamW(s32, cfg);
        AdamW a64 = new AdamW(s64, cfg);
        Random rng = new Random(2);
        for (int step = 0; step < 3; step++) {
            double[] g = new double[(int) s64.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = rng.nextGaussian() * (i % 7 == 0 ? 1e-3 : 1);
            }
            INDArray g64 = Nd4j.createFromArray(g);
            s64.grads().assign(g64);
            s32.grads().assign(g64.castTo(DataType.FLOAT));
            a32.update(1e-2);
            a64.update(1e-2);
        }
        double diff = s32.values().castTo(DataType.DOUBLE).sub(s64.values()).amaxNumber().doubleValue();
        assertTrue(diff < TOL, "parameters differ by " + diff);
        double dm = a32.firstMoment().castTo(DataType.DOUBLE).sub(a64.firstMoment()).amaxNumber().doubleValue();
        double dv = a32.secondMoment().castTo(DataType.DOUBLE).sub(a64.secondMoment()).amaxNumber().doubleValue();
        assertTrue(dm < TOL && dv < TOL, "moments differ by " + dm + " / " + dv);
        double moved = s32.values().castTo(DataType.DOUBLE).sub(store(DataType.DOUBLE).values()).amaxNumber().doubleValue();
        assertTrue(moved > 1e-2, "the updates moved the parameters (" + moved + ")");
    }

    /**
     * With zero gradients the moments stay 0 and one update is the decoupled decay alone:
     * p * (1 - lr * wd) for the parameters flagged to decay (here the weights, the cls and mask
     * tokens, interleaved with biases and norms), the rest unchanged. Both paths.
     */
    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "DOUBLE"})
    void decayShrinksExactlyTheFlaggedParameters(String type) {
        DataType dt = DataType.valueOf(type);
        ParamStore s = MaskedAutoencoder.create(MaeConfig.preset("micro"), dt, 3).params();
        assertEquals(dt == DataType.FLOAT, FusedKernels.applies(s.values()));
        INDArray before = s.values().dup();
        s.zeroGrads();
        new AdamW(s, new AdamWConfig(0.9, 0.95, 1e-8, 0.05)).update(0.5);
        double factor = 1 - 0.5 * 0.05;
        for (Param p : s.params()) {
            INDArray was = p.sliceOf(before);
            INDArray expected = (p.rank() > 1 && !p.name().endsWith(".bias")) ? was.mul(factor) : was;
            double diff = expected.sub(p.value()).amaxNumber().doubleValue();
            assertEquals(0, diff, 1e-7, p.name() + ((p.rank() > 1 && !p.name().endsWith(".bias")) ? " should decay" : " should not decay"));
        }
    }
}
