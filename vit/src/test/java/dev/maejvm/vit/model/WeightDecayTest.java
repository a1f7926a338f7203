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
        for (Param p : store.params()) {
            if (p.weightDecay()) {
                flagged.add(p.name());
            }
            if (p.shape().length > 1 && !p.name().endsWith(".bias")) {
                byRule.add(p.name());
            }
        }
        assertEquals(byRule, flagged);
        assertTrue(flagged.contains("cls_token") && flagged.contains("mask_token"), "tokens decayed");
        assertFalse(flagged.contains("norm.weight"), "norms not decayed");
    }
}
