package dev.maejvm.finetune.det.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.fcos.AnchorPoints;
import dev.maejvm.finetune.det.fcos.BoxCoding;
import dev.maejvm.finetune.det.fcos.FcosLoss;
import dev.maejvm.finetune.det.fcos.FcosTargetAssigner;
import dev.maejvm.finetune.det.fcos.FcosTargets;
import dev.maejvm.finetune.det.fcos.FeatureLevel;
import dev.maejvm.finetune.det.fcos.MatchingConfig;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.model.ViTConfig;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DetectorTest {
    /** 32 x 32 gray, patch 4: an 8 x 8 map; scales 1 and 0.5 and two pooled levels: strides 4, 8, 16, 32. */
    static DetectConfig small(int numClasses) {
        ViTConfig enc = new ViTConfig(32, 32, 4, 1, 16, 2, 2, 4.0, 0, ViTConfig.PosEmbedKind.LEARNED);
        return dev.maejvm.train.config.Configs.with(DetectConfig.defaults("micro", "", enc, numClasses), java.util.Map.ofEntries(
                java.util.Map.entry("windowSize", "4"), java.util.Map.entry("globalBlocks", "1"), java.util.Map.entry("channels", "8"),
                java.util.Map.entry("headConvs", "1"), java.util.Map.entry("batchSize", "4"), java.util.Map.entry("lr", "1e-3"),
                java.util.Map.entry("warmupEpochs", "0"), java.util.Map.entry("scaleMin", "1"), java.util.Map.entry("scaleMax", "1"),
                java.util.Map.entry("maxDetections", "20"), java.util.Map.entry("topkCandidates", "100"),
                java.util.Map.entry("model.dropPathRate", "0")));       // the finite differences run evaluation passes
    }

    @Test
    void thePyramidHasTheDefaultStridesAndShapes() {
        DetectConfig cfg = small(2);
        assertEquals(List.of(1.0, 0.5), cfg.pyramidScales(), "patch 4: the map is already stride 4");
        assertEquals(List.of(4, 8, 16, 32), cfg.strides());
        Detector d = Detector.create(cfg, DataType.FLOAT, 1);
        assertEquals(List.of(new FeatureLevel(4, 8, 8), new FeatureLevel(8, 4, 4), new FeatureLevel(16, 2, 2),
                new FeatureLevel(32, 1, 1)), d.levels());
        var out = d.forward(Arrays64.normal(new Random(1), 2, 1, 32, 32).castTo(DataType.FLOAT), Ctx.eval());
        assertEquals(2 * (64 + 16 + 4 + 1), out.logits().size(0), "rows (level, n, y, x) over all levels");
        assertEquals(2, out.logits().size(1));
        assertEquals(4, out.boxes().size(1));
        assertEquals(1, out.centerness().size(1));
        // ViT-B at 1024: ViTDet's four scales, strides 4..32 and P6
        DetectConfig b = DetectConfig.defaults("vit-b16", "", new ViTConfig(1024, 16, 3, 768, 12, 12, 4.0), 80);
        assertEquals(List.of(4.0, 2.0, 1.0, 0.5), b.pyramidScales());
        assertEquals(List.of(4, 8, 16, 32, 64), b.strides());
        assertEquals(List.of(2, 5, 8, 11), b.globalBlocks());
        assertEquals(256, b.channels());
    }

    @Test
    void normsAndPositionsAreTheParametersWithoutWeightDecay() {
        Detector d = Detector.create(small(2), DataType.FLOAT, 1);
        assertTrue(d.isNorm("blocks.0.norm1.weight") && d.isNorm("simfp_2.1.norm.bias") && d.isNorm("head.cls_subnet.1.weight"));
        assertFalse(d.isNorm("head.cls_subnet.0.bias") || d.isNorm("simfp_2.1.weight") || d.isNorm("head.cls_score.bias"));
        var groups = dev.maejvm.train.optim.ParamGroups.vitDet(2, 0.7, d::isNorm);
        assertFalse(groups.of(d.params().get("pos_embed")).decay());
        assertFalse(groups.of(d.params().get("head.bbox_subnet.1.bias")).decay(), "GroupNorm");
        assertTrue(groups.of(d.params().get("head.bbox_subnet.0.bias")).decay(), "a conv bias is decayed (detectron2)");
        assertEquals(Math.pow(0.7, 3), groups.of(d.params().get("patch_embed.proj.weight")).lrScale(), 1e-12);
        assertEquals(0.7, groups.of(d.params().get("blocks.1.attn.qkv.weight")).lrScale(), 1e-12);
        assertEquals(1.0, groups.of(d.params().get("head.cls_score.weight")).lrScale(), 0.0);
    }

    /** d FCOS loss / d every parameter through head, pyramid and backbone, against finite differences in float64. */
    @Test
    void theWholeDetectorsLossGradientMatchesFiniteDifferences() {
        DetectConfig cfg = small(2);
        Detector d = Detector.create(cfg, DataType.DOUBLE, 3);
        Random rng = new Random(7);
        d.params().values().addi(Arrays64.normal(rng, d.params().size()).muli(0.05));
        INDArray imgs = Arrays64.normal(rng, 2, 1, 32, 32);
        List<List<BoundingBox>> boxes = List.of(List.of(new BoundingBox(2, 3, 14, 12, 0), new BoundingBox(16, 10, 31, 30, 1)),
                List.of(new BoundingBox(5, 5, 25, 22, 1)));
        List<FeatureLevel> levels = d.levels();
        FcosTargets t = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), 2)
                .assign(new AnchorPoints(levels, 2), boxes);
        assertTrue(t.numPositives() > 0);
        FcosLoss loss = FcosLoss.detectron2();
        var out = d.forward(imgs, Ctx.train(new java.util.SplittableRandom(0)));
        INDArray dl = out.logits().ulike();
        INDArray db = out.boxes().ulike();
        INDArray dc = out.centerness().ulike();
        loss.forward(out.logits(), out.boxes(), out.centerness(), t, t.normalizer(), dl, db, dc);
        d.params().zeroGrads();
        d.backward(dl, db, dc);
        for (Param p : d.params().params()) {
            INDArray g = p.grad().dup();
            GradCheck.check(p.name(), p.value(), g, () -> {
                var o = d.forward(imgs, Ctx.eval());
                return loss.forward(o.logits(), o.boxes(), o.centerness(), t, t.normalizer(), null, null, null).total();
            }, 6, 11);
        }
    }
}
