package dev.maejvm.finetune.det.model;

import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.fcos.FeatureLevel;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.FeatureMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A one-stage detector on a plain ViT: {@link ViTDetBackbone} → {@link SimpleFeaturePyramid} →
 * {@link FcosHead}. All parameters in one store: the backbone's under timm's names (so a
 * pretraining checkpoint loads onto them), the pyramid's under {@code simfp_*}, the head's under
 * {@code head.*}.
 */
public final class Detector {
    private final DetectConfig cfg;
    private final ParamStore params;
    private final ViTDetBackbone backbone;
    private final SimpleFeaturePyramid pyramid;
    private final FcosHead head;
    private final java.util.Set<String> normParams = new HashSet<>();
    private List<FeatureMap> shapes;

    /** Registers the parameters in {@code params}; the caller builds the store. */
    public Detector(DetectConfig cfg, ParamStore params) {
        this.cfg = cfg;
        this.params = params;
        ScratchPool pool = new ScratchPool();
        this.backbone = new ViTDetBackbone(params, cfg.model(), cfg.windowSize(), new HashSet<>(cfg.globalBlocks()),
                cfg.useRelPos(), pool);
        this.pyramid = new SimpleFeaturePyramid(params, cfg.model().embedDim(), cfg.model().patchSize(), cfg.pyramidScales(),
                cfg.extraLevels(), cfg.channels(), pool);
        this.head = new FcosHead(params, cfg.channels(), cfg.headConvs(), cfg.numClasses(), pyramid.strides().size(), pool);
        // a norm layer (LayerNorm, GroupNorm) is one whose weight is 1-D; convolutions' and linears' are not
        java.util.Set<String> normLayers = new HashSet<>();
        params.params().forEach(p -> {
            if (p.name().endsWith(".weight") && p.rank() == 1) {
                normLayers.add(p.name().substring(0, p.name().length() - ".weight".length()));
            }
        });
        params.params().forEach(p -> {
            int dot = p.name().lastIndexOf('.');
            String layer = dot < 0 ? p.name() : p.name().substring(0, dot);
            if (normLayers.contains(layer)) {
                normParams.add(p.name());
            }
        });
    }

    public static Detector create(DetectConfig cfg, DataType dataType, long seed) {
        ParamStore store = new ParamStore(dataType);
        Detector d = new Detector(cfg, store);
        store.build(seed);
        return d;
    }

    public DetectConfig config() {
        return cfg;
    }

    public ParamStore params() {
        return params;
    }

    /** Whether a parameter belongs to a norm layer (no weight decay in ViTDet's recipe). */
    public boolean isNorm(String name) {
        return normParams.contains(name);
    }

    /** The pyramid's levels for a batch of n images at the configured input size, fine to coarse. */
    public List<FeatureLevel> levels() {
        List<FeatureMap> s = pyramid.shapes(new FeatureMap(1, backbone.mapHeight(), backbone.mapWidth()));
        List<FeatureLevel> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            out.add(new FeatureLevel(pyramid.strides().get(i), s.get(i).h(), s.get(i).w()));
        }
        return out;
    }

    /**
     * @param imgs [N, C, H, W] at the configured input size, normalised
     * @return the head's outputs over all levels' rows (level, n, y, x)
     */
    public FcosHead.Outputs forward(INDArray imgs, Ctx ctx) {
        int n = (int) imgs.size(0);
        INDArray map = backbone.forward(imgs, ctx);
        FeatureMap shape = new FeatureMap(n, backbone.mapHeight(), backbone.mapWidth());
        List<INDArray> features = pyramid.forward(map, shape, ctx);
        shapes = pyramid.lastShapes();
        return head.forward(features, shapes, ctx);
    }

    /** Adds every parameter's gradient of the last training forward. */
    public void backward(INDArray dLogits, INDArray dBoxes, INDArray dCenterness) {
        backbone.backward(pyramid.backward(head.backward(dLogits, dBoxes, dCenterness)));
    }
}
