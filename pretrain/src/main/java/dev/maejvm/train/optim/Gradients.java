package dev.maejvm.train.optim;

import dev.maejvm.vit.engine.ParamStore;

/** The global gradient norm, and clipping to it (torch's {@code clip_grad_norm_}). */
public final class Gradients {
    private Gradients() {}

    /** The L2 norm of all trainable parameters' gradients. */
    public static double norm(ParamStore store) {
        return store.grads().norm2Number().doubleValue();
    }

    /** Scales the gradients so their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clip(ParamStore store, double maxNorm) {
        double norm = norm(store);
        if (norm > maxNorm) {
            store.grads().muli(maxNorm / (norm + 1e-6));
        }
        return norm;
    }
}
