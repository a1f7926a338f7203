package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Which parameters AdamW decays. Official MAE pretraining builds its groups with timm 0.3.2's
 * {@code add_weight_decay(model, wd)} and no skip list: a parameter is exempt when
 * {@code len(param.shape) == 1 or name.endswith(".bias")}. So the cls and mask tokens, [1, 1, D],
 * are decayed.
 */
class WeightDecayTest {

    @Test
    void decaySetIsAddWeightDecaysRule() {
        ParamStore store = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.FLOAT, 1).params();
        Set<String> flagged = new TreeSet<>();
        Set<String> byRule = new TreeSet<>();
        Set<String> inMask = new TreeSet<>();
        for (Param p : store.params()) {
            if (p.weightDecay()) {
                flagged.add(p.name());
            }
            if (p.shape().length > 1 && !p.name().endsWith(".bias")) {
                byRule.add(p.name());
            }
            double maskSum = store.decayMask()
                    .get(NDArrayIndex.interval(p.offset(), p.offset() + p.length())).sumNumber().doubleValue();
            if (maskSum == p.length()) {
                inMask.add(p.name());
            } else {
                assertEquals(0, maskSum, p.name() + ": decay mask neither all 1 nor all 0");
            }
        }
        assertEquals(byRule, flagged);
        assertEquals(byRule, inMask);
        assertTrue(flagged.contains("cls_token") && flagged.contains("mask_token"), "tokens decayed");
        assertFalse(flagged.contains("norm.weight"), "norms not decayed");
    }
}
