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
 *
 * <p>In data-parallel training a rank's batch is rows [rowOffset, rowOffset + B) of the global
 * batch: its masking noise is those rows of the global batch's noise, so the masks, like the
 * images, are the ones a single process would draw.
 */
public final class MaeTask implements Task<INDArray> {
    private final MaskedAutoencoder model;
    private final double maskRatio;
    private final long seed;
    private final int rowOffset;

    public MaeTask(MaskedAutoencoder model, double maskRatio, long seed) {
        this(model, maskRatio, seed, 0);
    }

    /** @param rowOffset where this rank's rows start in the global batch (0 in a single process) */
    public MaeTask(MaskedAutoencoder model, double maskRatio, long seed, int rowOffset) {
        if (rowOffset < 0) {
            throw new IllegalArgumentException("rowOffset must be >= 0, got " + rowOffset);
        }
        this.model = model;
        this.maskRatio = maskRatio;
        this.seed = seed;
        this.rowOffset = rowOffset;
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
        int patches = model.config().encoder().numPatches();
        SplittableRandom rng = maskingRandom(seed, iteration);
        for (long skip = (long) rowOffset * patches; skip > 0; skip--) {      // the rows of the ranks before
            rng.nextDouble();
        }
        Masking masking = Masking.random(n, patches, maskRatio, rng);
        double loss = model.forward(imgs, masking, true, ctx);          // predictions the loss reads only
        if (Double.isFinite(loss)) {
            model.backward();
        }
        return new StepResult(loss, n, Map.of());
    }
}
