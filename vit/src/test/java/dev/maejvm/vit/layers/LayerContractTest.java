package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.Scratch;
import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The layer contract: what fails loudly instead of giving wrong gradients (docs/ENGINE.md). */
class LayerContractTest {
    private static Ctx train() {
        return Ctx.train(new SplittableRandom(0));
    }

    @Test
    void aLayerRunTwiceBeforeItsBackwardThrows() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Linear lin = new Linear(store, "head", 4, 3);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(1), 5, 4);
        lin.forward(x, train());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> lin.forward(x, train()));
        assertTrue(e.getMessage().contains("head") && e.getMessage().contains("second training forward"), e.getMessage());
    }

    @Test
    void aBlockSharedOverTwoInputsThrowsOnTheSecondTrainingForward() {
        // a head shared over two pyramid levels, run once per level: the second pass must not
        // silently overwrite the first's activations
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Block block = new Block(store, "blocks.0", 8, 2, 4.0, LayerNorm.MAE_EPS);
        store.build(1);
        block.forward(Arrays64.normal(new Random(2), 6, 8), 2, 3, train());
        assertThrows(IllegalStateException.class, () -> block.forward(Arrays64.normal(new Random(3), 4, 8), 2, 2, train()));
    }

    @Test
    void backwardNeedsATrainingForwardSinceTheLastBackward() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        LayerNorm ln = new LayerNorm(store, "norm", 4, LayerNorm.MAE_EPS);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(4), 3, 4);
        INDArray dy = Arrays64.normal(new Random(5), 3, 4);
        assertThrows(IllegalStateException.class, () -> ln.backward(dy), "never ran");
        ln.forward(x, train());
        ln.forward(x, Ctx.eval());                             // overwrites the kept activations
        assertThrows(IllegalStateException.class, () -> ln.backward(dy), "an evaluation pass came between");
        ln.forward(x, train());
        assertDoesNotThrow(() -> ln.backward(dy));
        assertThrows(IllegalStateException.class, () -> ln.backward(dy), "a second backward");
        assertDoesNotThrow(() -> ln.forward(x, Ctx.eval()), "evaluation passes may repeat");
        assertDoesNotThrow(() -> ln.forward(x, Ctx.eval()));
    }

    @Test
    void aKeptInputOverwrittenInItsSharedBufferThrowsAtBackward() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Scratch shared = Scratch.own("s");
        Linear a = new Linear(store, "a", 4, 4, shared, true);     // output in the shared scope
        Linear b = new Linear(store, "b", 4, 2);                   // keeps a's output as its input
        Linear c = new Linear(store, "c", 4, 4, shared, true);     // same scope and key as a: takes turns with a
        store.build(1);
        INDArray x = Arrays64.normal(new Random(6), 3, 4);
        b.forward(a.forward(x, train()), train());
        c.forward(x, train());                                      // writes the buffer b still needs
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.backward(Arrays64.normal(new Random(7), 3, 2)));
        assertTrue(e.getMessage().contains("b") && e.getMessage().contains("overwritten"), e.getMessage());
    }

    @Test
    void layersInTheirOwnScopesShareNothing() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Linear a = new Linear(store, "a", 4, 4, Scratch.own("a"), true);
        Linear b = new Linear(store, "b", 4, 2);
        Linear c = new Linear(store, "c", 4, 4, Scratch.own("c"), true);
        store.build(1);
        INDArray x = Arrays64.normal(new Random(6), 3, 4);
        INDArray y = b.forward(a.forward(x, train()), train()).dup();
        c.forward(x, train());
        assertDoesNotThrow(() -> b.backward(Arrays64.normal(new Random(7), 3, 2)));
        assertEquals(3, y.size(0));
    }

    @Test
    void frozenParametersGetNoGradient() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        Linear lin = new Linear(store, "fc", 4, 3);
        LayerNorm ln = new LayerNorm(store, "norm", 3, LayerNorm.MAE_EPS);
        store.build(1);
        store.setTrainable(p -> p.name().startsWith("norm"));
        assertEquals(6, store.gradSize(), "only the norm's weight and bias have gradients");
        INDArray x = Arrays64.normal(new Random(8), 5, 4);
        store.zeroGrads();
        lin.backward(ln.backward(ln.forward(lin.forward(x, train()), train()).dup()));
        assertThrows(IllegalStateException.class, () -> store.get("fc.weight").grad());
        assertTrue(store.get("norm.weight").grad().norm2Number().doubleValue() > 0);
        assertThrows(IllegalStateException.class, () -> store.setTrainable(p -> true), "the split is fixed once gradients exist");
    }
}
