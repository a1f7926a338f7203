package dev.maejvm.pretrain.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maejvm.vit.model.Patches;
import dev.maejvm.vit.model.ReconstructionLoss;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ReconstructionTest {

    /**
     * A model that predicts its norm-pix targets exactly must be drawn as its input: the picture
     * undoes the loss's normalisation with the same (unbiased) variance. With the biased variance
     * the pixels come out scaled by sqrt((P-1)/P) about each patch mean, 3 % off at P = 16.
     */
    @Test
    void denormalisingTheNormPixTargetsGivesBackThePixels() {
        Nd4j.getRandom().setSeed(7);
        int p = 4;
        INDArray imgs = Nd4j.rand(DataType.DOUBLE, 2, 1, 8, 8).muli(3).subi(1);     // [N, C, H, W]
        INDArray patches = Patches.patchify(imgs, p, null);                         // [2, 4, 16]
        INDArray targets = new ReconstructionLoss(p, true).targets(imgs).reshape(patches.shape());

        INDArray back = Reconstruction.denormalise(targets, patches);

        double maxErr = back.sub(patches).amaxNumber().doubleValue();
        assertEquals(0, maxErr, 1e-12, "de-normalised targets differ from the patches by " + maxErr);
    }
}
