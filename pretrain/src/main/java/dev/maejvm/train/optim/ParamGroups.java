package dev.maejvm.train.optim;

import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How the optimiser treats each parameter, decided by its name and shape: whether weight decay
 * applies, a learning-rate scale, and whether it trains at all. The official recipes are named
 * functions; {@link #only} freezes the rest (a linear probe trains its head alone).
 */
public final class ParamGroups {

    /**
     * @param decay whether the optimiser's weight decay applies
     * @param lrScale the group's lr is the schedule's lr times this (layer-wise lr decay)
     * @param trainable false: frozen, no gradient and no update
     */
    public record Group(boolean decay, double lrScale, boolean trainable) {
        public Group {
            if (!(lrScale >= 0)) {
                throw new IllegalArgumentException("lrScale must be >= 0, got " + lrScale);
            }
        }
    }

    /** The official fine-tuning code's {@code no_weight_decay} list (timm's VisionTransformer). */
    private static final Set<String> NO_WEIGHT_DECAY = Set.of("pos_embed", "cls_token", "dist_token");

    private final Function<Param, Group> rule;

    private ParamGroups(Function<Param, Group> rule) {
        this.rule = rule;
    }

    /**
     * MAE pretraining's groups ({@code main_pretrain.py}: timm 0.3.2's {@code add_weight_decay}
     * with no skip list): no decay on 1-D tensors and on names ending in {@code .bias}, so the cls
     * and mask tokens [1, 1, D] are decayed; lr scale 1; everything trains.
     */
    public static ParamGroups maePretrain() {
        return new ParamGroups(p -> new Group(!(p.rank() == 1 || p.name().endsWith(".bias")), 1, true));
    }

    /**
     * Fine-tuning's layer-wise lr decay (the official {@code util/lr_decay.py: param_groups_lrd}):
     * layer id 0 for {@code cls_token}, {@code pos_embed} and {@code patch_embed.*}, i + 1 for
     * {@code blocks.i.*}, depth + 1 for everything else ({@code fc_norm}, {@code head}, {@code norm});
     * lr scale = layerDecay^(depth + 1 - id); no decay on 1-D tensors and on {@code pos_embed},
     * {@code cls_token}.
     */
    public static ParamGroups layerDecay(int depth, double layerDecay) {
        if (depth < 1 || !(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("layerDecay needs depth >= 1 and a decay in (0, 1], got " + depth + ", " + layerDecay);
        }
        return new ParamGroups(p -> new Group(!(p.rank() == 1 || NO_WEIGHT_DECAY.contains(p.name())),
                Math.pow(layerDecay, depth + 1 - layerId(p.name(), depth)), true));
    }

    /**
     * ViTDet's groups (detectron2 {@code get_vit_lr_decay_rate} and {@code get_default_optimizer_params}
     * with {@code weight_decay_norm = 0} and no decay on {@code pos_embed}): the backbone's layer-wise
     * lr decay as {@link #layerDecay} ({@code patch_embed.*}, {@code pos_embed} layer 0, {@code blocks.i.*}
     * layer i + 1), lr scale 1 for everything else (the pyramid and the head); weight decay on every
     * parameter but the norms' and the position table (biases are decayed, as detectron2 does).
     *
     * @param isNorm whether a parameter belongs to a normalisation layer (LayerNorm, GroupNorm), by name
     */
    public static ParamGroups vitDet(int depth, double layerDecay, Predicate<String> isNorm) {
        if (depth < 1 || !(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("layerDecay needs depth >= 1 and a decay in (0, 1], got " + depth + ", " + layerDecay);
        }
        return new ParamGroups(p -> new Group(!(isNorm.test(p.name()) || p.name().equals("pos_embed")),
                Math.pow(layerDecay, depth + 1 - layerId(p.name(), depth)), true));
    }

    /** The official {@code get_layer_id_for_vit}: the layer a parameter belongs to, 0 .. depth + 1. */
    public static int layerId(String name, int depth) {
        if (NO_WEIGHT_DECAY.contains(name) || name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("blocks.")) {
            return Integer.parseInt(name.substring("blocks.".length(), name.indexOf('.', "blocks.".length()))) + 1;
        }
        return depth + 1;
    }

    /** These groups with only the parameters whose name passes trainable (the rest frozen). */
    public ParamGroups only(Predicate<String> trainable) {
        return new ParamGroups(p -> {
            Group g = rule.apply(p);
            return new Group(g.decay(), g.lrScale(), g.trainable() && trainable.test(p.name()));
        });
    }

    /** The group of a parameter. */
    public Group of(Param p) {
        return rule.apply(p);
    }

    /** Freezes the store's parameters that these groups do not train (before its gradients exist). */
    public void applyTrainable(ParamStore store) {
        store.setTrainable(p -> of(p).trainable());
    }
}
