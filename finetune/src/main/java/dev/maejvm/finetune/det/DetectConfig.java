package dev.maejvm.finetune.det;

import dev.maejvm.train.LoopConfig;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.ViTConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that decides a detection run: ViTDet's backbone and simple feature pyramid, the FCOS
 * head, its training (ViTDet's AdamW recipe) and inference. Validated on construction, each
 * failure naming the field; dotted keys through {@link Configs} ({@code windowSize},
 * {@code globalBlocks}, {@code model.dropPathRate}, ...).
 *
 * @param preset the model preset the encoder comes from
 * @param pretrained the pretraining checkpoint or weights the backbone starts from; empty: from scratch
 * @param model the encoder at the detection input size (its position table interpolated to this grid)
 * @param windowSize tokens per side of the windows of the windowed blocks
 * @param globalBlocks the blocks with global attention (ViT-B: 2, 5, 8, 11)
 * @param useRelPos ViTDet's decomposed relative positions in every block's attention, zero-initialised
 *     (ViTDet's configs turn them on; off by default here, so a run is the plain pretrained encoder)
 * @param pyramidScales the simple feature pyramid's scales of the last map, each 4, 2, 1 or 0.5
 *     (ViTDet: all four; with patch 4 the map already has stride 4, so 1 and 0.5)
 * @param extraLevels coarser levels after the last scale, each a 2x2 max pooling of the previous
 *     level (the head's P6, P7; detectron2's LastLevelMaxPool subsamples with kernel 1 instead)
 * @param channels the pyramid's and the head's width (detectron2: 256)
 * @param headConvs 3x3 conv + GroupNorm(32 or fewer groups) + ReLU layers in each tower (FCOS: 4)
 * @param numClasses object classes (the dataset's categories, in id order)
 * @param categoryIds the training set's category ids, class index i being the i-th (empty: not recorded, a checkpoint
 *     of before they were)
 * @param categoryNames their names (commas written as semicolons: the list is stored comma-separated)
 * @param batchSize images per iteration
 * @param lr the peak learning rate (ViTDet: 1e-4 at batch 64)
 * @param weightDecay AdamW's (0.1), not on norm layers and the position table (biases are decayed, as detectron2)
 * @param layerDecay layer-wise lr decay of the backbone's blocks (ViTDet: 0.7)
 * @param schedule {@code cosine}, or {@code step}: x0.1 at 88.9 % and 96.3 % of training (detectron2's)
 * @param flipProb horizontal flip probability in training
 * @param scaleMin smallest random rescale of an image before its crop or pad to the input size
 * @param scaleMax largest random rescale (large-scale jitter: 0.1 and 2.0 on COCO)
 * @param scoreThreshold inference: lowest score kept, √(σ(cls)·σ(centerness)) (0.05 for evaluation)
 * @param topkCandidates inference: candidates per level before NMS (1000)
 * @param nmsThreshold inference: class-aware NMS IoU (0.6)
 * @param maxDetections inference: detections per image (100)
 */
public record DetectConfig(
        String preset,
        String pretrained,
        ViTConfig model,
        int windowSize,
        List<Integer> globalBlocks,
        boolean useRelPos,
        List<Double> pyramidScales,
        int extraLevels,
        int channels,
        int headConvs,
        int numClasses,
        List<Integer> categoryIds,
        List<String> categoryNames,
        int epochs,
        long maxSteps,
        int batchSize,
        int accumIter,
        double lr,
        double minLr,
        double warmupEpochs,
        double weightDecay,
        double layerDecay,
        String schedule,
        double clipGrad,
        double flipProb,
        double scaleMin,
        double scaleMax,
        double scoreThreshold,
        int topkCandidates,
        double nmsThreshold,
        int maxDetections,
        long seed,
        int checkpointEvery,
        int evalEvery) {

    public static final String COSINE = "cosine";
    public static final String STEP = "step";
    private static final Set<Double> SCALES = Set.of(4.0, 2.0, 1.0, 0.5);

    public DetectConfig {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("preset must be given");
        }
        pretrained = pretrained == null ? "" : pretrained;
        if (model == null) {
            throw new IllegalArgumentException("model must be given");
        }
        positive("windowSize", windowSize);
        globalBlocks = List.copyOf(globalBlocks);
        for (int b : globalBlocks) {
            if (b < 0 || b >= model.depth()) {
                throw new IllegalArgumentException("globalBlocks: " + b + " is not a block of the " + model.depth() + "-block encoder");
            }
        }
        pyramidScales = List.copyOf(pyramidScales);
        if (pyramidScales.isEmpty()) {
            throw new IllegalArgumentException("pyramidScales must name at least one of 4, 2, 1, 0.5");
        }
        for (int i = 0; i < pyramidScales.size(); i++) {
            if (!SCALES.contains(pyramidScales.get(i))) {
                throw new IllegalArgumentException("pyramidScales: " + pyramidScales.get(i) + " is not one of 4, 2, 1, 0.5");
            }
            if (i > 0 && !(pyramidScales.get(i) < pyramidScales.get(i - 1))) {
                throw new IllegalArgumentException("pyramidScales must go from fine to coarse (4, 2, 1, 0.5), got " + pyramidScales);
            }
        }
        if (extraLevels < 0) {
            throw new IllegalArgumentException("extraLevels must be >= 0, got " + extraLevels);
        }
        positive("channels", channels);
        positive("headConvs", headConvs);
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        categoryIds = List.copyOf(categoryIds);
        categoryNames = List.copyOf(categoryNames);
        if (!categoryIds.isEmpty() && (categoryIds.size() != numClasses || categoryNames.size() != numClasses)) {
            throw new IllegalArgumentException("categoryIds and categoryNames must list the " + numClasses + " classes, got "
                    + categoryIds.size() + " and " + categoryNames.size());
        }
        positive("epochs", epochs);
        positive("batchSize", batchSize);
        positive("accumIter", accumIter);
        positive("checkpointEvery", checkpointEvery);
        positive("evalEvery", evalEvery);
        positive("topkCandidates", topkCandidates);
        positive("maxDetections", maxDetections);
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("lr must be positive, got " + lr);
        }
        atLeastZero("minLr", minLr);
        atLeastZero("warmupEpochs", warmupEpochs);
        atLeastZero("weightDecay", weightDecay);
        atLeastZero("clipGrad", clipGrad);
        if (!(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("layerDecay must be in (0, 1], got " + layerDecay);
        }
        if (!COSINE.equals(schedule) && !STEP.equals(schedule)) {
            throw new IllegalArgumentException("schedule must be cosine or step, got '" + schedule + "'");
        }
        if (!(flipProb >= 0 && flipProb <= 1)) {
            throw new IllegalArgumentException("flipProb must be in [0, 1], got " + flipProb);
        }
        if (!(scaleMin > 0 && scaleMax >= scaleMin)) {
            throw new IllegalArgumentException("scaleMin and scaleMax must satisfy 0 < scaleMin <= scaleMax, got " + scaleMin
                    + " and " + scaleMax);
        }
        if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
            throw new IllegalArgumentException("scoreThreshold must be in [0, 1), got " + scoreThreshold);
        }
        if (!(nmsThreshold > 0 && nmsThreshold <= 1)) {
            throw new IllegalArgumentException("nmsThreshold must be in (0, 1], got " + nmsThreshold);
        }
        int stride = model.patchSize();
        for (double s : pyramidScales) {
            double levelStride = stride / s;
            if (levelStride != Math.rint(levelStride) || levelStride < 1) {
                throw new IllegalArgumentException("pyramidScales: scale " + s + " of a stride-" + stride + " map is not a whole stride");
            }
        }
    }

    /**
     * ViTDet's recipe for an encoder at the detection input size. The pyramid takes the scales
     * whose stride is at least 4 (patch 16: 4, 2, 1, 0.5 as the paper; patch 4: 1, 0.5) and adds
     * max-pooled levels down to stride 32 (at least one: P6); the global blocks split the depth in
     * four (12 blocks: 2, 5, 8, 11); the width is detectron2's 256 for encoders of 384 and more,
     * 64 for the small presets (a budget choice for a 2-core machine, stated in docs/DETECTION.md).
     */
    public static DetectConfig defaults(String preset, String pretrained, ViTConfig model, CategoryMap categories) {
        return withCategories(defaults(preset, pretrained, model, categories.size()), categories);
    }

    /** The same config for this set's categories. */
    public static DetectConfig withCategories(DetectConfig c, CategoryMap categories) {
        Map<String, String> flat = c.flatten();
        flat.put("numClasses", Integer.toString(categories.size()));
        flat.put("categoryIds", String.join(",", categories.ids().stream().map(String::valueOf).toList()));
        flat.put("categoryNames", String.join(",", categories.names().stream().map(n -> n.replace(',', ';')).toList()));
        return fromFlat(flat);
    }

    /** ViTDet's recipe with {@code numClasses} anonymous classes (categories not recorded). */
    public static DetectConfig defaults(String preset, String pretrained, ViTConfig model, int numClasses) {
        List<Double> scales = new ArrayList<>();
        for (double s : new double[] {4, 2, 1, 0.5}) {
            if (model.patchSize() / s >= 4) {
                scales.add(s);
            }
        }
        int coarsest = (int) (model.patchSize() / scales.get(scales.size() - 1));
        int extra = Math.max(1, Integer.numberOfTrailingZeros(Math.max(1, 32 / coarsest)));
        List<Integer> global = new ArrayList<>();
        for (int q = 1; q <= 4; q++) {
            global.add(Math.max(0, q * model.depth() / 4 - 1));
        }
        int channels = model.embedDim() >= 384 ? 256 : 64;
        return new DetectConfig(preset, pretrained, model.withDropPathRate(0.1).withPosEmbed(ViTConfig.PosEmbedKind.LEARNED),
                8, List.copyOf(new java.util.LinkedHashSet<>(global)), false, scales, extra, channels, 4, numClasses, List.of(), List.of(),
                12, 0, 16, 1, 1e-4, 0, 1, 0.1, 0.7, COSINE, 0, 0.5, 0.5, 1.5, 0.05, 1000, 0.6, 100, 0, 1, 1);
    }

    /** A checkpoint's config; one from before the categories were recorded reads with them unknown. */
    public static DetectConfig fromFlat(Map<String, String> flat) {
        Map<String, String> m = new java.util.LinkedHashMap<>(flat);
        m.putIfAbsent("categoryIds", "");
        m.putIfAbsent("useRelPos", "false");
        m.putIfAbsent("categoryNames", "");
        return Configs.unflatten(DetectConfig.class, m);
    }

    /** The categories the head was trained on, or empty when the checkpoint did not record them. */
    public java.util.Optional<CategoryMap> categories() {
        return categoryIds.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(new CategoryMap(categoryIds, categoryNames));
    }

    public Map<String, String> flatten() {
        return Configs.flatten(this);
    }

    public boolean fromScratch() {
        return pretrained.isEmpty();
    }

    public int effectiveBatch() {
        return batchSize * accumIter;
    }

    /** The strides of the pyramid's levels, fine to coarse (the scales', then the extra levels'). */
    public List<Integer> strides() {
        List<Integer> out = new ArrayList<>();
        for (double s : pyramidScales) {
            out.add((int) Math.round(model.patchSize() / s));
        }
        for (int i = 0; i < extraLevels; i++) {
            out.add(out.get(out.size() - 1) * 2);
        }
        return out;
    }

    /** detectron2's multi-step milestones (ViTDet's 100-epoch LSJ schedule: at 88.9 % and 96.3 %). */
    public static final List<Double> STEP_MILESTONES = List.of(0.889, 0.963);

    public LoopConfig loop() {
        return new LoopConfig(epochs, maxSteps, accumIter, lr, minLr, warmupEpochs, clipGrad, checkpointEvery, seed,
                STEP.equals(schedule) ? STEP_MILESTONES : List.of());
    }

    private static void positive(String field, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + v);
        }
    }

    private static void atLeastZero(String field, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + v);
        }
    }
}
