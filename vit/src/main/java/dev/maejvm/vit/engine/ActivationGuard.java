package dev.maejvm.vit.engine;

/**
 * Guards what a layer keeps between its forward and its backward. A training forward arms it; a
 * second training forward before the backward throws (the first pass's activations would be
 * overwritten and its backward silently wrong: a head run once per pyramid level must be built
 * once per level, or run over all levels' rows at once); an evaluation forward disarms it (it
 * overwrites the activations too); a backward needs it armed and disarms it.
 */
public final class ActivationGuard {
    private final String layer;

    @Override
    public String toString() {
        return layer;
    }
    private boolean armed;

    /** @param layer the layer's name, for the message */
    public ActivationGuard(String layer) {
        this.layer = layer;
    }

    /** Call at the start of every forward. */
    public void forward(Ctx ctx) {
        if (ctx.training()) {
            if (armed) {
                throw new IllegalStateException(layer + " ran a second training forward before the backward of the first:"
                        + " its kept activations would be overwritten and the first pass's gradients wrong");
            }
            armed = true;
        } else {
            armed = false;
        }
    }

    /** Call at the start of every backward. */
    public void backward() {
        if (!armed) {
            throw new IllegalStateException(layer + ": backward without a training forward since its last backward"
                    + " (an evaluation forward in between overwrote the activations, or the layer never ran in training)");
        }
        armed = false;
    }
}
