package dev.maejvm.train.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An update rule over a store's flat buffers (AdamW; LARS for the linear probe), with its state for checkpoints. */
public interface Optimizer {

    /** One update with the schedule's learning rate (each parameter group scales it). */
    void update(double lr);

    /** The state tensors by name (live views: a restore assigns into them). */
    Map<String, INDArray> state();

    /** Updates done so far. */
    long step();

    /** Sets the update count after the state was copied into {@link #state()}'s views (a resume). */
    void restoreStep(long step);
}
