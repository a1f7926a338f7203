package dev.maejvm.vit.model;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.Kernels;
import dev.maejvm.vit.engine.RowKernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How a ViT classifier reads one vector per image from its tokens, as timm's {@code global_pool}:
 * {@link #AVG} averages the patch tokens (not cls; MAE's fine-tuning, followed by {@code fc_norm}),
 * {@link #TOKEN} takes the cls token (after the encoder's final norm; MAE's linear probe).
 */
public enum GlobalPool {
    AVG, TOKEN;

    /**
     * @param tokens [N*(1+L), D], rows ordered (sample, cls then patches)
     * @param out [N, D], written
     */
    public void forward(INDArray tokens, int n, INDArray out) {
        long seq = tokens.size(0) / n;
        long d = tokens.size(1);
        INDArray t3 = tokens.reshape('c', n, seq, d);
        if (this == TOKEN) {
            out.assign(t3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        } else {
            t3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, seq), NDArrayIndex.all()).mean(out, 1);
        }
    }

    /**
     * @param dOut [N, D]
     * @param dTokens [N*(1+L), D], written: dOut / L on every patch row (AVG) or on the cls row (TOKEN), 0 elsewhere
     */
    public void backward(INDArray dOut, int n, INDArray dTokens) {
        long seq = dTokens.size(0) / n;
        long d = dTokens.size(1);
        INDArray d3 = dTokens.reshape('c', n, seq, d);
        if (this == TOKEN) {
            dTokens.assign(0);
            d3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dOut);
            return;
        }
        if (FusedKernels.applies(dOut, dTokens)) {
            RowKernels.spreadRows(dOut, (int) seq, 1, 1.0 / (seq - 1), dTokens);   // one pass, not ND4J's broadcasts
            return;
        }
        INDArray col = Kernels.ensure(null, dOut.dataType(), n * seq);
        col.assign(1.0 / (seq - 1));
        for (int s = 0; s < n; s++) {
            col.putScalar((long) s * seq, 0);                       // the cls row is not pooled
        }
        // each row of sample s gets dOut[s]: repeat the sample's row over its tokens, then scale per row
        d3.assign(dOut.reshape('c', n, 1, d).broadcast(n, seq, d));
        Kernels.mulColumn(dTokens, col, dTokens);
    }
}
