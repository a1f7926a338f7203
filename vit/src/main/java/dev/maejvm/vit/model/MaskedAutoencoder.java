package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.engine.ScratchPool;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * He et al., "Masked Autoencoders Are Scalable Vision Learners" (2021): mask most patches,
 * encode the visible ones, reconstruct the pixels of the removed ones. Reads like the official
 * {@code models_mae.py}: {@link #patchify}, {@link #randomMasking}, {@link #forwardEncoder},
 * {@link #forwardDecoder}, {@link #forwardLoss}, composed by {@link #forward}; {@link #backward}
 * runs them in reverse ({@link #backwardLoss}, {@link #backwardDecoder}, {@link #backwardEncoder})
 * and adds d loss / d parameter to the store's gradients.
 */
public final class MaskedAutoencoder {
    private final MaeConfig config;
    private final ParamStore params;
    private final VisionTransformer encoder;
    private final MaeDecoder decoder;
    private final ReconstructionLoss loss;

    /** Registers the parameters in {@code params}; the caller builds the store. */
    public MaskedAutoencoder(MaeConfig config, ParamStore params) {
        this.config = config;
        this.params = params;
        ScratchPool pool = new ScratchPool();                 // the encoder's and the decoder's blocks each share a scope
        this.encoder = new VisionTransformer(params, config.encoder(), true, config.encoderMaskTokens(), pool);
        this.decoder = new MaeDecoder(params, config, pool);
        this.loss = new ReconstructionLoss(config.encoder().patchSize(), config.normPixLoss());
    }

    /** A model with freshly initialised parameters (MAE's init rules, from {@code seed}). */
    public static MaskedAutoencoder create(MaeConfig config, DataType dataType, long seed) {
        ParamStore store = new ParamStore(dataType);
        MaskedAutoencoder mae = new MaskedAutoencoder(config, store);
        store.build(seed);
        return mae;
    }

    public MaeConfig config() {
        return config;
    }

    public ParamStore params() {
        return params;
    }

    public VisionTransformer encoder() {
        return encoder;
    }

    /** The fixed (non-trainable) tables, named and shaped as the official state dict ({@code pos_embed}, {@code decoder_pos_embed}). */
    public Map<String, INDArray> buffers() {
        return params.buffers();
    }

    /** @param imgs [N, C, H, W] @return [N, L, p*p*C] */
    public INDArray patchify(INDArray imgs) {
        return Patches.patchify(imgs, config.encoder().patchSize(), null);
    }

    /** @param x [N, L, p*p*C] @return imgs [N, C, H, W] */
    public INDArray unpatchify(INDArray x) {
        return Patches.unpatchify(x, config.encoder().patchSize(), config.encoder().inChans());
    }

    public Masking randomMasking(int batchSize, double maskRatio, RandomGenerator rng) {
        return Masking.random(batchSize, config.encoder().numPatches(), maskRatio, rng);
    }

    /** @return latent [N*(1+K), D]; w/ [M] [N*(1+L), D], the removed patches as mask tokens */
    public INDArray forwardEncoder(INDArray imgs, Masking masking, Ctx ctx) {
        return config.encoderMaskTokens() ? encoder.forwardWithMaskTokens(imgs, masking, ctx) : encoder.forward(imgs, masking, ctx);
    }

    /** @return predictions [N*(1+L), p*p*C] including the cls rows */
    public INDArray forwardDecoder(INDArray latent, Masking masking, Ctx ctx) {
        return decoder.forward(latent, masking, ctx);
    }

    /**
     * @param lossPatchesOnly predict only the patches the loss reads ({@link MaeDecoder#forward(INDArray, Masking, boolean, Ctx)})
     * @return predictions [N*(1+L), p*p*C] including the cls rows
     */
    public INDArray forwardDecoder(INDArray latent, Masking masking, boolean lossPatchesOnly, Ctx ctx) {
        if (config.encoderMaskTokens()) {       // every position is already in the latent: nothing to insert or unshuffle
            return decoder.forward(latent, Masking.none(masking.batchSize(), masking.numPatches()), false, ctx);
        }
        return decoder.forward(latent, masking, lossPatchesOnly, ctx);
    }

    public double forwardLoss(INDArray imgs, INDArray predFull, Masking masking) {
        return loss.forward(imgs, predFull, masking);
    }

    /**
     * One training forward pass; keeps what {@link #backward} needs. The MAE's layers draw no
     * random numbers unless its encoder has drop path, so the pass's random source is fixed.
     *
     * @param imgs [N, C, H, W], of the parameters' data type
     * @return the loss over removed patches
     */
    public double forward(INDArray imgs, Masking masking) {
        return forward(imgs, masking, false);
    }

    /** As {@link #forward(INDArray, Masking, boolean, Ctx)}, a training pass with a fixed random source. */
    public double forward(INDArray imgs, Masking masking, boolean lossPatchesOnly) {
        return forward(imgs, masking, lossPatchesOnly, Ctx.train(new SplittableRandom(0)));
    }

    /**
     * One forward pass for training when {@code lossPatchesOnly}: the decoder forms only the
     * predictions the loss reads (the removed patches'), so {@link #prediction} then holds 0 for
     * the visible ones. The loss and, after {@link #backward}, every gradient are those of
     * {@link #forward(INDArray, Masking)}.
     */
    public double forward(INDArray imgs, Masking masking, boolean lossPatchesOnly, Ctx ctx) {
        if (imgs.dataType() != params.dataType()) {
            throw new IllegalArgumentException("images are " + imgs.dataType() + " but the model is " + params.dataType());
        }
        INDArray latent = forwardEncoder(imgs, masking, ctx);
        INDArray pred = forwardDecoder(latent, masking, lossPatchesOnly, ctx);
        return forwardLoss(imgs, pred, masking);
    }

    /** Adds d loss / d parameter (of the last forward) to the gradients. */
    public void backward() {
        backwardEncoder(backwardDecoder(backwardLoss()));
    }

    /** @return d loss / d predictions [N*(1+L), p*p*C] of the last forward, owned by the loss */
    public INDArray backwardLoss() {
        return loss.backward();
    }

    /**
     * Adds the decoder's parameter gradients.
     *
     * @param dPred [N*(1+L), p*p*C] from {@link #backwardLoss}
     * @return d loss / d latent [N*(1+K), D], owned by the decoder
     */
    public INDArray backwardDecoder(INDArray dPred) {
        return decoder.backward(dPred);
    }

    /** Adds the encoder's parameter gradients. @param dLatent [N*(1+K), D] from {@link #backwardDecoder} */
    public void backwardEncoder(INDArray dLatent) {
        encoder.backward(dLatent);
    }

    /** The last forward's prediction [N, L, p*p*C] (a copy). */
    public INDArray prediction() {
        INDArray p = loss.prediction();
        return p.reshape('c', p.size(0) / config.encoder().numPatches(), config.encoder().numPatches(), p.size(1)).dup();
    }

    /**
     * The loss targets of these images [N, L, p*p*C] (normalised with normPixLoss), in buffers of
     * their own: calling it between {@link #forward} and {@link #backward} leaves the step intact.
     */
    public INDArray targets(INDArray imgs) {
        INDArray t = new ReconstructionLoss(config.encoder().patchSize(), config.normPixLoss()).targets(imgs);
        return t.reshape('c', imgs.size(0), config.encoder().numPatches(), t.size(1));
    }
}
