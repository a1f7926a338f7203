package dev.maejvm.pretrain.train;

import dev.maejvm.train.Task;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.Masking;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MAE pretraining's step: random masking from (seed, iteration), the forward that predicts only
 * the patches the loss reads, the backward. Batches are images [B, C, H, W].
 */
public final class MaeTask implements Task<INDArray> {
    private final MaskedAutoencoder model;
    private final double maskRatio;
    private final long seed;

    public MaeTask(MaskedAutoencoder model, double maskRatio, long seed) {
        this.model = model;
        this.maskRatio = maskRatio;
        this.seed = seed;
    }

    /** Masking noise for an iteration: a function of (seed, iteration) only, so resume replays it. */
    public static SplittableRandom maskingRandom(long seed, long iteration) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration);
    }

    @Override
    public ParamStore params() {
        return model.params();
    }

    @Override
    public StepResult step(INDArray imgs, long iteration, Ctx ctx) {
        int n = (int) imgs.size(0);
        Masking masking = Masking.random(n, model.config().encoder().numPatches(), maskRatio, maskingRandom(seed, iteration));
        double loss = model.forward(imgs, masking, true, ctx);          // predictions the loss reads only
        if (Double.isFinite(loss)) {
            model.backward();
        }
        return new StepResult(loss, n, Map.of());
    }
}
