package dev.maejvm.finetune.probe;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import dev.maejvm.finetune.cls.BestCheckpoint;
import dev.maejvm.finetune.cls.ValidationEvaluator;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.EpochLog;
import dev.maejvm.train.Evaluator;
import dev.maejvm.train.TrainState;
import dev.maejvm.train.Trainer;
import dev.maejvm.train.events.TrainingListener;
import dev.maejvm.train.optim.Lars;
import dev.maejvm.train.optim.LarsConfig;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import dev.maejvm.vit.model.VisionTransformer;
import dev.maejvm.vit.model.ViTConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The linear probe (official {@code main_linprobe.py}) on the training floor: the encoder frozen
 * (its features computed once, {@link FeatureCache}), a {@link ProbeHead} trained with LARS on the
 * training features, validation on the validation features with the best weights kept. A
 * checkpoint of kind {@code linprobe} holds the encoder under {@code encoder.} and the head under
 * {@code probe.} (official names {@code head.0.*}, {@code head.1.*}).
 *
 * <p>Unlike the official probe, which trains on random resized crops and flips of the images, the
 * training features are those of the evaluation transform, computed once: a probe then costs
 * seconds per epoch instead of an encoder pass over the dataset.
 */
public final class LinearProbe {
    public static final String LAST = "checkpoint-last.safetensors";
    public static final String ENCODER = "encoder.";
    public static final String HEAD = "probe.";

    private final Trainer<FeatureBatches.Batch> trainer;
    private final BestCheckpoint best;

    /** The frozen encoder as the probe reads it: all patches, with the final norm. Built, not loaded. */
    public static VisionTransformer encoder(ViTConfig cfg, ParamStore store, long seed) {
        VisionTransformer enc = new VisionTransformer(store, cfg, true, new ScratchPool());
        store.build(seed);
        return enc;
    }

    /** An empty store for {@link #encoder}. */
    public static ParamStore encoderStore() {
        return new ParamStore(DataType.FLOAT);
    }

    public static Lars optimizer(LinprobeConfig cfg, ProbeHead head) {
        return new Lars(head.params(), new LarsConfig(0.9, 0.001, cfg.weightDecay()));
    }

    /**
     * @param train the training features; @param val the validation features, or null
     * @param onValidation called with (epoch, result) after each validation; may be null
     */
    public LinearProbe(LinprobeConfig cfg, ParamStore encoder, ProbeHead head, Lars optimizer, FeatureExtractor.Features train,
                       FeatureExtractor.Features val, TrainingListener listener, Path out, Checkpoint.DataInfo dataInfo,
                       BiConsumer<Integer, ValidationEvaluator.Result> onValidation) {
        this(cfg, encoder, head, optimizer, train, val, listener, out, dataInfo, onValidation, SingleProcess.INSTANCE);
    }

    /**
     * Data-parallel over {@code group}: every rank holds all the cached features and trains on its
     * part of each global batch; the BatchNorm's batch statistics are each rank's own (as the
     * official probe under DDP, which has no SyncBatchNorm), its running statistics are averaged
     * over the ranks after every step; rank 0 alone validates and writes.
     */
    public LinearProbe(LinprobeConfig cfg, ParamStore encoder, ProbeHead head, Lars optimizer, FeatureExtractor.Features train,
                       FeatureExtractor.Features val, TrainingListener listener, Path out, Checkpoint.DataInfo dataInfo,
                       BiConsumer<Integer, ValidationEvaluator.Result> onValidation, Collective group) {
        this.best = new BestCheckpoint(out);
        List<Evaluator.Scheduled> evaluators = new ArrayList<>();
        if (val != null) {
            evaluators.add(new Evaluator.Scheduled(new ProbeEvaluator(head, val.features(), val.labels(), (epoch, r) -> {
                if (best.offer(epoch, r.top1(), file -> save(file, encoder, head, null, cfg, new TrainState(epoch + 1, 0, 0, null),
                        dataInfo))) {
                    listener.artifactWritten(out.resolve(dev.maejvm.finetune.cls.ClassifierCheckpoint.BEST), "checkpoints");
                }
                if (onValidation != null) {
                    onValidation.accept(epoch, r);
                }
            }), cfg.evalEvery(), true));
        }
        FeatureBatches batches = new FeatureBatches(train.features(), train.labels(), cfg.batchSize(), cfg.seed(),
                "features of " + train.size() + " training images", new BatchSplit(group.rank(), group.size()));
        this.trainer = new Trainer<>(cfg.loop(), new ProbeTask(head), optimizer, batches, listener,
                state -> save(out.resolve(LAST), encoder, head, optimizer, cfg, state, dataInfo), evaluators,
                new EpochLog(out.resolve("log.txt")), group);
    }

    public static Path save(Path file, ParamStore encoder, ProbeHead head, Lars optimizer, LinprobeConfig cfg, TrainState state,
                            Checkpoint.DataInfo data) throws IOException {
        return Checkpoint.save(file, Checkpoint.Kind.LINPROBE, models(encoder, head), optimizer, cfg.flatten(), cfg.seed(), state,
                data);
    }

    public static Checkpoint.Info restore(Path file, ParamStore encoder, ProbeHead head, Lars optimizer) throws IOException {
        return Checkpoint.restore(file, Checkpoint.Kind.LINPROBE, models(encoder, head), optimizer);
    }

    /** A probe rebuilt from a checkpoint (float32), with its config. */
    public record Loaded(ParamStore encoder, VisionTransformer encoderModel, ProbeHead head, LinprobeConfig config,
                         Checkpoint.Info info) {}

    public static Loaded load(Path file) throws IOException {
        Checkpoint.Info info = Checkpoint.info(file, Checkpoint.Kind.LINPROBE);
        LinprobeConfig cfg = LinprobeConfig.fromFlat(info.config());
        ParamStore store = encoderStore();
        VisionTransformer enc = encoder(cfg.model(), store, 0);
        ProbeHead head = new ProbeHead(cfg.model().embedDim(), cfg.numClasses(), 0);
        Checkpoint.loadModels(file, Checkpoint.Kind.LINPROBE, models(store, head));
        return new Loaded(store, enc, head, cfg, info);
    }

    private static Map<String, ParamStore> models(ParamStore encoder, ProbeHead head) {
        Map<String, ParamStore> m = new LinkedHashMap<>();
        m.put(ENCODER, encoder);
        m.put(HEAD, head.params());
        return m;
    }

    public Trainer<FeatureBatches.Batch> trainer() {
        return trainer;
    }

    public BestCheckpoint best() {
        return best;
    }
}
