package dev.maejvm.finetune.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Transform;
import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.VisionTransformer;
import dev.maejvm.vit.model.ViTConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Features in batches on the loader's threads equal the pooled tokens of one pass over all images. */
class FeatureExtractorTest {
    static final ViTConfig MICRO = MaeConfig.preset("micro").encoder();

    static VisionTransformer micro(long seed) {
        ParamStore store = new ParamStore(DataType.FLOAT);
        VisionTransformer enc = new VisionTransformer(store, MICRO);
        store.build(seed);
        return enc;
    }

    @ParameterizedTest
    @EnumSource(GlobalPool.class)
    void batchedFeaturesAreThePooledTokensOfEachImage(GlobalPool pool) {
        VisionTransformer enc = micro(1);
        // 20 x 24 images: resized to 16 x 19, centre-cropped to 16 x 16
        Dataset ds = ArrayDataset.stripes("s", 13, 20, 24, 3, 5, true);
        Transform t = FeatureExtractor.evalTransform(MICRO, new float[] {0.5f}, new float[] {0.25f});
        FeatureExtractor.Features f = new FeatureExtractor(enc, pool, 5, 2).extract(ds, t);
        assertArrayEquals(new long[] {13, 32}, f.features().shape());
        assertEquals(DataType.FLOAT, f.features().dataType());
        for (int i = 0; i < 13; i++) {
            assertEquals(i % 3, f.labels()[i]);
        }
        // the reference: all 13 images in one pass, pooled by hand
        float[] flat = new float[13 * 256];
        for (int i = 0; i < 13; i++) {
            System.arraycopy(t.apply(ds.get(i).image(), new SplittableRandom(0)).pixels(), 0, flat, i * 256, 256);
        }
        INDArray tokens = enc.forward(Nd4j.create(flat, new long[] {13, 1, 16, 16}, DataType.FLOAT), Ctx.eval());
        INDArray t3 = tokens.reshape('c', 13, 17, 32);
        for (int i = 0; i < 13; i++) {
            for (int j = 0; j < 32; j++) {
                double expected = 0;
                if (pool == GlobalPool.TOKEN) {
                    expected = t3.getDouble(i, 0, j);
                } else {
                    for (int p = 1; p < 17; p++) {
                        expected += t3.getDouble(i, p, j) / 16;
                    }
                }
                assertEquals(expected, f.features().getDouble(i, j), 1e-4 * (1 + Math.abs(expected)), pool + " image " + i + " dim " + j);
            }
        }
        assertTrue(f.perSecond() > 0);
    }

    @Test
    void aLimitTakesEvenlySpacedImagesKeepingEveryClass() {
        Dataset ds = ArrayDataset.stripes("s", 30, 16, 16, 3, 5, true);
        Dataset sub = FeatureExtractor.evenlySpaced(ds, 7);
        assertEquals(7, sub.size());
        int[] expected = {0, 4, 8, 12, 17, 21, 25};             // floor(i * 30 / 7)
        for (int i = 0; i < 7; i++) {
            assertEquals(ds.get(expected[i]).source(), sub.get(i).source());
        }
        assertTrue(sub.describe().contains("7 of its 30 images"));
        assertEquals(ds, FeatureExtractor.evenlySpaced(ds, 0));
        assertEquals(ds, FeatureExtractor.evenlySpaced(ds, 30));
        FeatureExtractor.Features f = new FeatureExtractor(micro(2), GlobalPool.TOKEN, 4, 1)
                .extract(ds, FeatureExtractor.evalTransform(MICRO, new float[] {0.5f}, new float[] {0.25f}), 7);
        assertEquals(7, f.size());
        assertArrayEquals(new int[] {0, 1, 2, 0, 2, 0, 1}, f.labels());
    }
}
