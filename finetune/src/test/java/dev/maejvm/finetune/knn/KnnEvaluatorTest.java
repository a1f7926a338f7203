package dev.maejvm.finetune.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.Transform;
import dev.maejvm.vit.model.GlobalPool;
import dev.maejvm.vit.model.VisionTransformer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kNN monitor on a random-init micro encoder: metrics that are accuracies; refusals that name the set. */
class KnnEvaluatorTest {
    static final Transform EVAL = FeatureExtractor.evalTransform(FeatureExtractorTest.MICRO, new float[] {0.5f},
            new float[] {0.25f});

    @Test
    void aRandomInitEncoderGivesAccuraciesInTheUnitInterval() {
        VisionTransformer enc = FeatureExtractorTest.micro(3);
        ArrayDataset train = ArrayDataset.stripes("train", 60, 16, 16, 6, 1, true);
        ArrayDataset val = ArrayDataset.stripes("val", 24, 16, 16, 6, 2, true);
        for (GlobalPool pool : GlobalPool.values()) {
            KnnEvaluator knn = new KnnEvaluator(enc, train, val, EVAL, new KnnConfig(20, 0.07, pool, 16, 0, 0), 2);
            Map<String, Double> m = knn.evaluate(0);
            assertEquals(java.util.Set.of(KnnEvaluator.TOP1, KnnEvaluator.TOP5), m.keySet());
            double top1 = m.get(KnnEvaluator.TOP1);
            double top5 = m.get(KnnEvaluator.TOP5);
            assertTrue(top1 >= 0 && top1 <= 1 && top5 >= top1 && top5 <= 1, m.toString());
            // accuracies are counts over the 24 queries
            assertEquals(Math.round(top1 * 24), top1 * 24, 1e-9);
            KnnEvaluator.Report r = knn.last();
            assertEquals(60, r.bankSize());
            assertEquals(24, r.valSize());
            assertEquals(20, r.k());
            assertTrue(r.featuresPerSecond() > 0);
        }
        // fewer than 5 classes: top-1 only
        ArrayDataset t3 = ArrayDataset.stripes("train", 12, 16, 16, 3, 1, true);
        Map<String, Double> m = new KnnEvaluator(enc, t3, t3, EVAL, KnnConfig.defaults(), 1).evaluate(0);
        assertEquals(java.util.Set.of(KnnEvaluator.TOP1), m.keySet());
        // limits: evenly spaced subsets
        KnnEvaluator limited = new KnnEvaluator(enc, train, val, EVAL, new KnnConfig(5, 0.1, GlobalPool.TOKEN, 8, 30, 12), 1);
        limited.evaluate(1);
        assertEquals(30, limited.last().bankSize());
        assertEquals(12, limited.last().valSize());
    }

    @Test
    void unlabeledSetsAndUnknownClassesAreRefusedNamingThem() {
        VisionTransformer enc = FeatureExtractorTest.micro(3);
        ArrayDataset labelled = ArrayDataset.stripes("train", 12, 16, 16, 3, 1, true);
        ArrayDataset unlabeled = ArrayDataset.stripes("plain", 12, 16, 16, 3, 1, false);
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new KnnEvaluator(enc, unlabeled, labelled, EVAL, KnnConfig.defaults(), 1)).getMessage();
        assertTrue(msg.contains("the kNN train bank must be labelled") && msg.contains("arrays plain"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> new KnnEvaluator(enc, labelled, unlabeled, EVAL, KnnConfig.defaults(), 1)).getMessage();
        assertTrue(msg.contains("the kNN validation set must be labelled"), msg);
        ArrayDataset more = ArrayDataset.stripes("val", 12, 16, 16, 4, 1, true);
        msg = assertThrows(IllegalArgumentException.class,
                () -> new KnnEvaluator(enc, labelled, more, EVAL, KnnConfig.defaults(), 1)).getMessage();
        assertTrue(msg.contains("has class 'c3', which the train bank") && msg.contains("[c0, c1, c2]"), msg);
    }
}
