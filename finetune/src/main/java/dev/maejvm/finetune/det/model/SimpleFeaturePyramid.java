package dev.maejvm.finetune.det.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Init;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.layers.Conv2d;
import dev.maejvm.vit.layers.ConvTranspose2d;
import dev.maejvm.vit.layers.FeatureMap;
import dev.maejvm.vit.layers.Gelu;
import dev.maejvm.vit.layers.LayerNorm;
import dev.maejvm.vit.layers.MaxPool2d;
import dev.maejvm.vit.layers.SpatialLayer;
import dev.maejvm.vit.layers.SpatialSequential;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ViTDet's simple feature pyramid (detectron2 {@code SimpleFeaturePyramid}): every level is built
 * from the backbone's last map alone, by scale: 4 = ConvT(D, D/2, 2, 2) → LN → GELU → ConvT(D/2,
 * D/4, 2, 2); 2 = ConvT(D, D/2, 2, 2); 1 = the map itself; 0.5 = 2x2 max pooling; then each level
 * Conv1x1(→ C, no bias) → LN → Conv3x3(C, C, padding 1, no bias) → LN (LayerNorm over channels,
 * eps 1e-6, which on channels-last rows is {@link LayerNorm}). Extra coarser levels follow, each a
 * 2x2 max pooling of the previous level's output (the head's P6, P7; detectron2's LastLevelMaxPool
 * subsamples with kernel 1, its FCOS uses stride-2 convolutions instead). Names as detectron2's:
 * {@code simfp_<log2 stride>.<i>}, the 1x1 and 3x3 convolutions' norms {@code .norm}.
 *
 * <p>Levels are read by the head one after the other; each stage has layers and a scratch scope of
 * its own, so every level's output stays valid until the next forward.
 */
public final class SimpleFeaturePyramid {
    public static final double LN_EPS = 1e-6;

    private final List<SpatialSequential> stages = new ArrayList<>();
    private final List<MaxPool2d> extra = new ArrayList<>();
    private final int channels;
    private final int stride;
    private final List<Integer> strides = new ArrayList<>();
    private FeatureMap in;
    private List<FeatureMap> shapes;
    private List<INDArray> outputs;
    private INDArray dMap;

    /**
     * @param dim the backbone's width D
     * @param stride the backbone map's stride (the patch size)
     * @param scales the scales of the map, fine to coarse, each 4, 2, 1 or 0.5
     * @param extraLevels max-pooled levels after the last scale
     * @param channels C, every level's width
     */
    public SimpleFeaturePyramid(ParamStore store, int dim, int stride, List<Double> scales, int extraLevels, int channels,
                                ScratchPool pool) {
        this.channels = channels;
        this.stride = stride;
        for (double scale : scales) {
            int levelStride = (int) Math.round(stride / scale);
            String name = "simfp_" + Integer.numberOfTrailingZeros(levelStride);
            var scope = pool.scope(name);
            List<SpatialLayer> layers = new ArrayList<>();
            int out;
            if (scale == 4) {
                layers.add(new ConvTranspose2d(store, name + ".0", dim, dim / 2, true, Init.torchConvDefault(4L * (dim / 2)),
                        Init.torchConvDefault(4L * (dim / 2)), scope.child("0")));
                layers.add(SpatialLayer.rows(new LayerNorm(store, name + ".1", dim / 2, LN_EPS, scope.child("1"))));
                layers.add(SpatialLayer.rows(new Gelu(scope.child("2"))));
                layers.add(new ConvTranspose2d(store, name + ".3", dim / 2, dim / 4, true, Init.torchConvDefault(4L * (dim / 4)),
                        Init.torchConvDefault(4L * (dim / 4)), scope.child("3")));
                out = dim / 4;
            } else if (scale == 2) {
                layers.add(new ConvTranspose2d(store, name + ".0", dim, dim / 2, true, Init.torchConvDefault(4L * (dim / 2)),
                        Init.torchConvDefault(4L * (dim / 2)), scope.child("0")));
                out = dim / 2;
            } else if (scale == 1) {
                out = dim;
            } else if (scale == 0.5) {
                layers.add(new MaxPool2d(scope.child("0")));
                out = dim;
            } else {
                throw new IllegalArgumentException("pyramid scale " + scale + " is not one of 4, 2, 1, 0.5");
            }
            int i = layers.size();
            layers.add(new Conv2d(store, name + "." + i, out, channels, 1, 1, 0, false, Init.torchConvDefault(out),
                    Init.torchConvDefault(out), scope.child(Integer.toString(i))));
            layers.add(SpatialLayer.rows(new LayerNorm(store, name + "." + i + ".norm", channels, LN_EPS, scope.child(i + ".norm"))));
            layers.add(new Conv2d(store, name + "." + (i + 1), channels, channels, 3, 1, 1, false,
                    Init.torchConvDefault(9L * channels), Init.torchConvDefault(9L * channels), scope.child(Integer.toString(i + 1))));
            layers.add(SpatialLayer.rows(new LayerNorm(store, name + "." + (i + 1) + ".norm", channels, LN_EPS,
                    scope.child((i + 1) + ".norm"))));
            stages.add(new SpatialSequential(layers));
            strides.add(levelStride);
        }
        for (int e = 0; e < extraLevels; e++) {
            extra.add(new MaxPool2d(pool.scope("top_block." + e)));
            strides.add(strides.get(strides.size() - 1) * 2);
        }
    }

    /** The levels' strides, fine to coarse. */
    public List<Integer> strides() {
        return List.copyOf(strides);
    }

    public int channels() {
        return channels;
    }

    /** The levels' shapes for a backbone map of this shape. */
    public List<FeatureMap> shapes(FeatureMap map) {
        List<FeatureMap> out = new ArrayList<>();
        for (SpatialSequential s : stages) {
            out.add(s.outShape(map));
        }
        FeatureMap last = out.get(out.size() - 1);
        for (MaxPool2d p : extra) {
            last = p.outShape(last);
            out.add(last);
        }
        return out;
    }

    /**
     * @param map the backbone's last map [N*h*w, D]
     * @return each level's map [N*h_l*w_l, C], fine to coarse, each owned by its stage
     */
    public List<INDArray> forward(INDArray map, FeatureMap shape, Ctx ctx) {
        in = shape;
        shapes = shapes(shape);
        outputs = new ArrayList<>();
        for (SpatialSequential s : stages) {
            outputs.add(s.forward(map, shape, ctx));
        }
        for (int e = 0; e < extra.size(); e++) {
            int prev = stages.size() + e - 1;
            outputs.add(extra.get(e).forward(outputs.get(prev), shapes.get(prev), ctx));
        }
        return List.copyOf(outputs);
    }

    public List<FeatureMap> lastShapes() {
        return shapes;
    }

    /**
     * @param dLevels the gradient at each level's output (the head's), fine to coarse; an extra
     *     level's gradient is pooled back and added to a copy of the level below's (the arrays given
     *     are not written)
     * @return d map [N*h*w, D], the sum over the stages
     */
    public INDArray backward(List<INDArray> dLevels) {
        List<INDArray> d = new ArrayList<>(dLevels);
        for (int e = extra.size() - 1; e >= 0; e--) {
            int level = stages.size() + e;
            INDArray dPrev = extra.get(e).backward(d.get(level));
            INDArray sum = d.get(level - 1).dup();
            sum.addi(dPrev);
            d.set(level - 1, sum);
        }
        for (int i = 0; i < stages.size(); i++) {
            INDArray dx = stages.get(i).backward(d.get(i));
            if (i == 0) {
                dMap = Kernels.ensure(dMap, dx.dataType(), dx.size(0), dx.size(1));
                dMap.assign(dx);
            } else {
                dMap.addi(dx);
            }
        }
        return dMap;
    }
}
