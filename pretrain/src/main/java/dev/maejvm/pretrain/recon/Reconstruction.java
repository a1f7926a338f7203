package dev.maejvm.pretrain.recon;

import dev.maejvm.vit.model.Masking;
import dev.maejvm.vit.model.MaskedAutoencoder;
import dev.maejvm.vit.model.ReconstructionLoss;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One reconstruction, as the official visualisation ({@code run_one_image}): the model's pixels
 * for every patch, in the model's input space. With norm-pix targets the prediction is
 * de-normalised with the statistics of each original patch (mean and unbiased variance + 1e-6),
 * which the picture says.
 *
 * @param imgs the input [N, C, H, W] (normalised as the model saw it)
 * @param prediction the raw prediction [N, L, p*p*C] (normalised patches with norm-pix)
 * @param pixels the predicted images [N, C, H, W] in input space
 * @param mask [N, L], 0 = keep, 1 = remove
 * @param loss the loss over removed patches
 * @param denormalised whether norm-pix predictions were de-normalised
 */
public record Reconstruction(INDArray imgs, INDArray prediction, INDArray pixels, INDArray mask, double loss,
                             boolean denormalised) {

    public static Reconstruction of(MaskedAutoencoder model, INDArray imgs, Masking masking) {
        double loss = model.forward(imgs, masking, false, dev.maejvm.vit.engine.Ctx.eval());   // an evaluation pass: no backward follows
        INDArray pred = model.prediction();                                     // [N, L, P]
        INDArray pix = pred;
        boolean normPix = model.config().normPixLoss();
        if (normPix) {
            INDArray patches = model.patchify(imgs);                            // [N, L, P]
            if (patches.size(2) < 2) {
                throw new IllegalStateException("norm-pix needs patches of at least 2 values");
            }
            pix = denormalise(pred, patches);
        }
        return new Reconstruction(imgs, pred, model.unpatchify(pix), masking.mask(imgs.dataType()), loss, normPix);
    }

    /**
     * Undoes the norm-pix target normalisation with each original patch's statistics, as the
     * official visualisation does: {@code pred * sqrt(var + 1e-6) + mean}, var unbiased as
     * PyTorch's {@code target.var(dim=-1)} in {@code forward_loss}.
     *
     * @param pred normalised patches [N, L, P]
     * @param patches the original patches [N, L, P]
     * @return patches in input space [N, L, P]
     */
    static INDArray denormalise(INDArray pred, INDArray patches) {
        INDArray mean = patches.mean(true, 2);                                   // [N, L, 1]
        INDArray var = patches.var(true, 2).reshape(mean.shape());              // biasCorrected = unbiased
        INDArray std = Transforms.sqrt(var.addi(ReconstructionLoss.NORM_PIX_EPS), false);
        return pred.mul(std.broadcast(pred.shape())).addi(mean.broadcast(pred.shape()));
    }
}
