package dev.maejvm.pretrain.checkpoint;

import dev.maejvm.train.Checkpoint;
import dev.maejvm.train.optim.AdamW;
import dev.maejvm.train.optim.AdamWConfig;
import dev.maejvm.pretrain.train.PretrainConfig;
import dev.maejvm.train.TrainState;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/** A child process for {@link CheckpointKillTest}: rewrites one checkpoint forever, step after step. */
public final class CheckpointWriterLoop {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        PretrainConfig cfg = PretrainConfig.defaults("tiny");
        MaskedAutoencoder model = MaskedAutoencoder.create(cfg.model(), DataType.FLOAT, 0);
        AdamW opt = new AdamW(model.params(), AdamWConfig.MAE_PRETRAIN);
        for (long step = 1; ; step++) {
            model.params().values().addi(1);          // every checkpoint differs from the one before
            PretrainCheckpoint.save(file, model, opt, cfg, new TrainState(0, 0, step, null),
                    new Checkpoint.DataInfo("loop", new float[] {0.5f}, new float[] {0.25f}));
            System.out.println("wrote " + step);
            System.out.flush();
        }
    }
}
