package dev.maejvm.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.ViTClassifier;
import dev.maejvm.vit.model.ViTConfig;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The official parameter-group rules, as tables. */
class ParamGroupsTest {

    /**
     * MAE pretraining builds its groups with timm 0.3.2's {@code add_weight_decay(model, wd)} and
     * no skip list: a parameter is exempt when {@code len(param.shape) == 1 or name.endswith(".bias")}.
     * So the cls and mask tokens, [1, 1, D], are decayed.
     */
    @Test
    void maePretrainDecaysWhatAddWeightDecayDecays() {
        ParamStore store = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.FLOAT, 1).params();
        ParamGroups groups = ParamGroups.maePretrain();
        Set<String> flagged = new TreeSet<>();
        Set<String> byRule = new TreeSet<>();
        for (Param p : store.params()) {
            if (groups.of(p).decay()) {
                flagged.add(p.name());
            }
            if (p.shape().length > 1 && !p.name().endsWith(".bias")) {
                byRule.add(p.name());
            }
            assertEquals(1.0, groups.of(p).lrScale());
            assertTrue(groups.of(p).trainable());
        }
        assertEquals(byRule, flagged);
        assertTrue(flagged.contains("cls_token") && flagged.contains("mask_token"), "tokens decayed");
        assertFalse(flagged.contains("norm.weight"), "norms not decayed");
    }

    /**
     * {@code param_groups_lrd(model, 0.05, no_weight_decay_list={pos_embed, cls_token}, layer_decay=0.75)}
     * on a depth-12 ViT with global pooling: head x1, block 11 x0.75, block 0 x0.75^12, the patch
     * embedding, cls token and position table x0.75^13; no decay on 1-D tensors, pos_embed, cls_token.
     */
    @Test
    void layerDecayOfADepth12ModelIsTheOfficialTable() {
        ViTConfig cfg = new ViTConfig(32, 32, 16, 3, 48, 12, 3, 4.0, 0.1, ViTConfig.PosEmbedKind.LEARNED);
        ParamStore store = new ParamStore(DataType.FLOAT);
        new ViTClassifier(store, cfg, GlobalPool.AVG, 10);
        store.build(0);
        ParamGroups groups = ParamGroups.layerDecay(12, 0.75);
        int seen = 0;
        for (Param p : store.params()) {
            String n = p.name();
            int id;
            if (n.equals("cls_token") || n.equals("pos_embed") || n.startsWith("patch_embed.")) {
                id = 0;
            } else if (n.startsWith("blocks.")) {
                id = Integer.parseInt(n.split("\\.")[1]) + 1;
            } else {
                assertTrue(n.startsWith("fc_norm.") || n.startsWith("head."), n);
                id = 13;
            }
            assertEquals(Math.pow(0.75, 13 - id), groups.of(p).lrScale(), 1e-15, n);
            boolean decay = p.rank() > 1 && !n.equals("pos_embed") && !n.equals("cls_token");
            assertEquals(decay, groups.of(p).decay(), n);
            seen++;
        }
        assertEquals(4 + 12 * 12 + 4, seen, "patch_embed 2, cls, pos, 12 blocks of 12 tensors, fc_norm 2, head 2");
        assertEquals(1.0, groups.of(store.get("head.weight")).lrScale());
        assertEquals(0.75, groups.of(store.get("blocks.11.mlp.fc2.weight")).lrScale(), 1e-15);
        assertEquals(Math.pow(0.75, 12), groups.of(store.get("blocks.0.attn.qkv.weight")).lrScale(), 1e-15);
        assertEquals(Math.pow(0.75, 13), groups.of(store.get("patch_embed.proj.weight")).lrScale(), 1e-15);
        assertArrayEquals(new boolean[] {true, false, false, false},
                new boolean[] {groups.of(store.get("head.weight")).decay(), groups.of(store.get("head.bias")).decay(),
                    groups.of(store.get("cls_token")).decay(), groups.of(store.get("pos_embed")).decay()});
    }

    @Test
    void onlyFreezesTheRest() {
        ParamStore store = new ParamStore(DataType.FLOAT);
        new ViTClassifier(store, new ViTConfig(16, 4, 1, 16, 2, 2, 4.0), GlobalPool.TOKEN, 3);
        store.build(0);
        ParamGroups probe = ParamGroups.maePretrain().only(n -> n.startsWith("head."));
        probe.applyTrainable(store);
        assertEquals(Set.of("head.weight", "head.bias"),
                store.trainableParams().stream().map(Param::name).collect(java.util.stream.Collectors.toSet()));
        assertEquals(16 * 3 + 3, store.gradSize());
    }
}
