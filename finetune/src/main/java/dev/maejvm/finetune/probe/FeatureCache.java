package dev.maejvm.finetune.probe;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Transform;
import dev.maejvm.finetune.knn.FeatureExtractor;
import dev.maejvm.vit.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The frozen encoder's features of a dataset, computed once and kept in the run's folder
 * ({@code features-<split>.safetensors}: {@code features} [N, D], {@code labels} [N]), so that a
 * resumed probe does not pay for them again. A file made from other weights, another pooling or
 * another dataset (told by its metadata) is recomputed.
 */
public final class FeatureCache {
    private FeatureCache() {}

    /** @param key what the features depend on (weights file, pooling, dataset), compared with the file's */
    public static FeatureExtractor.Features get(Path file, String key, FeatureExtractor extractor, Dataset ds, Transform t)
            throws IOException {
        if (Files.isRegularFile(file)) {
            SafeTensors.Contents c = SafeTensors.read(file, DataType.FLOAT);
            if (key.equals(c.metadata().get("key"))) {
                float[] l = c.tensors().get("labels").data().asFloat();
                int[] labels = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    labels[i] = (int) l[i];
                }
                return new FeatureExtractor.Features(c.tensors().get("features"), labels, 0);
            }
        }
        FeatureExtractor.Features f = extractor.extract(ds, t);
        float[] l = new float[f.labels().length];
        for (int i = 0; i < l.length; i++) {
            l[i] = f.labels()[i];
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("features", f.features());
        tensors.put("labels", Nd4j.create(l, new long[] {l.length}, 'c'));
        SafeTensors.write(file, tensors, Map.of("key", key));
        return f;
    }
}
