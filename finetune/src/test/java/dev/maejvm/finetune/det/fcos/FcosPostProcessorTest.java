package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.detection.BoundingBox;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Score = sqrt(sigma(cls) sigma(ctr)), threshold, top-k per level, decoding and clipping, NMS, at most max per image. */
class FcosPostProcessorTest {
    private static final double FAR = -30; // sigma ~ 1e-13: no candidate

    /** Head outputs for {@code points}, every logit FAR, small boxes (deltas 0.1), centerness logit 0. */
    private static final class Outputs {
        final AnchorPoints points;
        final float[] cls;
        final float[] box;
        final float[] ctr;
        final int k;

        Outputs(AnchorPoints points, int k) {
            this.points = points;
            this.k = k;
            cls = new float[points.rows() * k];
            box = new float[points.rows() * 4];
            ctr = new float[points.rows()];
            java.util.Arrays.fill(cls, (float) FAR);
            java.util.Arrays.fill(box, 0.1f);
        }

        void set(int image, int point, int c, double logit) {
            cls[points.row(image, point) * k + c] = (float) logit;
        }

        void box(int image, int point, double l, double t, double r, double b) {
            int row = points.row(image, point);
            box[4 * row] = (float) l;
            box[4 * row + 1] = (float) t;
            box[4 * row + 2] = (float) r;
            box[4 * row + 3] = (float) b;
        }

        List<List<Detection>> run(InferenceConfig config, List<ImageSize> sizes) {
            INDArray c = Nd4j.create(cls, new long[] {points.rows(), k}, 'c');
            INDArray b = Nd4j.create(box, new long[] {points.rows(), 4}, 'c');
            INDArray z = Nd4j.create(ctr, new long[] {points.rows(), 1}, 'c');
            return new FcosPostProcessor(config, BoxCoding.detectron2()).apply(c, b, z, points, sizes);
        }
    }

    private static double score(double cls, double ctr) {
        return Math.sqrt(1 / (1 + Math.exp(-(float) cls)) / (1 + Math.exp(-(float) ctr)));
    }

    private static final List<FeatureLevel> LEVELS = List.of(new FeatureLevel(8, 4, 4), new FeatureLevel(16, 2, 2));

    @Test
    void scoresThresholdDecodingAndOrder() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 1), 2);
        o.set(0, 5, 1, 2.0); // (12, 12) stride 8
        o.set(0, 16 + 3, 0, 3.0); // (24, 24) stride 16
        o.set(0, 0, 0, -2.2); // sqrt(sigma(-2.2) / 2) = 0.223: below 0.3, above 0.05
        o.box(0, 5, 1, 0.5, 2, 0.25);
        o.ctr[o.points.row(0, 5)] = 1.0f;
        List<Detection> d = o.run(new InferenceConfig(0.3, 1000, 0.6, 100), List.of(new ImageSize(32, 32))).get(0);
        assertEquals(2, d.size());
        // sqrt(sigma(2) sigma(1)) = 0.802 first, then sqrt(sigma(3) sigma(0)) = 0.690
        assertEquals(score(2.0, 1.0), d.get(0).score(), 1e-12);
        assertEquals(new BoundingBox(4, 8, 28, 14, 1), round(d.get(0).box()), "decoded: (12 - 8, 12 - 4, 12 + 16, 12 + 2)");
        assertEquals(score(3.0, 0), d.get(1).score(), 1e-12);
        assertEquals(new BoundingBox(24 - 1.6, 24 - 1.6, 24 + 1.6, 24 + 1.6, 0), round(d.get(1).box()));
        // the 0.05 threshold lets the third through
        List<Detection> e = o.run(InferenceConfig.evaluation(), List.of(new ImageSize(32, 32))).get(0);
        assertEquals(3, e.size());
        assertEquals(score(-2.2, 0), e.get(2).score(), 1e-12);
    }

    private static BoundingBox round(BoundingBox b) {
        return new BoundingBox(r(b.x0()), r(b.y0()), r(b.x1()), r(b.y1()), b.category());
    }

    private static double r(double v) {
        return Math.rint(v * 1e5) / 1e5;
    }

    @Test
    void boxesAreClippedAndEmptyOnesDropped() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 1), 1);
        o.set(0, 0, 0, 2.0); // (4, 4): a box reaching past the top-left corner
        o.box(0, 0, 1, 1, 1, 1);
        o.set(0, 3, 0, 1.0); // (28, 4): outside a 20-wide image, its small box clips to nothing
        List<Detection> d = o.run(InferenceConfig.evaluation(), List.of(new ImageSize(32, 20))).get(0);
        assertEquals(1, d.size());
        assertEquals(new BoundingBox(0, 0, 12, 12, 0), d.get(0).box());
    }

    @Test
    void topkCandidatesPerLevel() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 1), 1);
        // all 16 fine points and all 4 coarse ones are candidates, with distinct, interleaved scores
        for (int p = 0; p < 20; p++) {
            o.set(0, p, 0, 0.1 * p);
        }
        List<Detection> d = o.run(new InferenceConfig(0.05, 3, 0.6, 100), List.of(new ImageSize(32, 32))).get(0);
        assertEquals(6, d.size());
        // the fine level's best three (points 13, 14, 15) and the coarse level's (17, 18, 19), merged by score
        List<Double> expected = new ArrayList<>();
        for (int p : new int[] {13, 14, 15, 17, 18, 19}) {
            expected.add(score(0.1 * p, 0));
        }
        expected.sort(Collections.reverseOrder());
        for (int i = 0; i < 6; i++) {
            assertEquals(expected.get(i), d.get(i).score(), 1e-12);
        }
    }

    @Test
    void atMostMaxDetectionsTheBestOnes() {
        List<FeatureLevel> levels = List.of(new FeatureLevel(8, 16, 16));
        Outputs o = new Outputs(new AnchorPoints(levels, 1), 2);
        SplittableRandom r = new SplittableRandom(9);
        List<Double> all = new ArrayList<>();
        for (int p = 0; p < 256; p++) {
            for (int c = 0; c < 2; c++) {
                double z = 4 * r.nextDouble() - 1;
                o.set(0, p, c, z);
                all.add(score(z, 0));
            }
        }
        all.sort(Collections.reverseOrder());
        List<Detection> d = o.run(InferenceConfig.evaluation(), List.of(new ImageSize(128, 128))).get(0);
        assertEquals(100, d.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(all.get(i), d.get(i).score(), 1e-12, "detection " + i);
        }
    }

    @Test
    void nmsIsClassAwareAndTiesFollowTheRowOrder() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 1), 2);
        // points 5 (12, 12) and 6 (20, 12) predict [4, 4, 28, 20] and [4, 4, 28, 21] (IoU 0.94); point 9 (12, 20) a class-1 copy
        o.box(0, 5, 1, 1, 2, 1);
        o.box(0, 6, 2, 1, 1, 1.125);
        o.box(0, 9, 1, 2, 2, 0);
        o.set(0, 5, 0, 1.0);
        o.set(0, 6, 0, 1.0); // the same score: the later point loses
        o.set(0, 9, 1, 1.0);
        List<Detection> d = o.run(InferenceConfig.detectron2(), List.of(new ImageSize(32, 32))).get(0);
        assertEquals(2, d.size());
        assertEquals(0, d.get(0).box().category());
        assertEquals(1, d.get(1).box().category());
        assertEquals(d.get(0).score(), d.get(1).score());
        assertEquals(new BoundingBox(4, 4, 28, 20, 0), round(d.get(0).box()), "point 5's box: the earlier row wins the tie");
        // with point 6 ahead by a hair, its box is the one kept
        o.set(0, 6, 0, 1.0001);
        List<Detection> e = o.run(InferenceConfig.detectron2(), List.of(new ImageSize(32, 32))).get(0);
        assertEquals(2, e.size());
        assertEquals(new BoundingBox(4, 4, 28, 21, 0), round(e.get(0).box()));
    }

    @Test
    void imagesReadTheirOwnRows() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 3), 1);
        o.set(1, 16 + 2, 0, 3.0); // image 1, coarse cell (0, 1): (8, 24)
        o.set(2, 0, 0, 2.0);
        List<ImageSize> sizes = List.of(new ImageSize(32, 32), new ImageSize(32, 32), new ImageSize(32, 32));
        List<List<Detection>> d = o.run(InferenceConfig.detectron2(), sizes);
        assertEquals(0, d.get(0).size());
        assertEquals(1, d.get(1).size());
        assertEquals(new BoundingBox(8 - 1.6, 24 - 1.6, 8 + 1.6, 24 + 1.6, 0), round(d.get(1).get(0).box()));
        assertEquals(1, d.get(2).size());
        assertEquals(new BoundingBox(4 - 0.8, 4 - 0.8, 4 + 0.8, 4 + 0.8, 0), round(d.get(2).get(0).box()));
    }

    @Test
    void badInputsAreNamed() {
        Outputs o = new Outputs(new AnchorPoints(LEVELS, 1), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.run(InferenceConfig.detectron2(), List.of()));
        assertTrue(e.getMessage().contains("imageSizes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new InferenceConfig(1.0, 1000, 0.6, 100));
        assertTrue(e.getMessage().contains("scoreThreshold"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new InferenceConfig(0.05, 0, 0.6, 100));
        assertTrue(e.getMessage().contains("topkCandidates"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new InferenceConfig(0.05, 10, 0.6, 0));
        assertTrue(e.getMessage().contains("maxDetectionsPerImage"), e.getMessage());
        FcosPostProcessor pp = new FcosPostProcessor(InferenceConfig.detectron2(), BoxCoding.detectron2());
        e = assertThrows(IllegalArgumentException.class, () -> pp.apply(Nd4j.zeros(DataType.FLOAT, 20, 1), Nd4j.zeros(DataType.FLOAT, 20, 3),
                Nd4j.zeros(DataType.FLOAT, 20, 1), o.points, List.of(new ImageSize(32, 32))));
        assertTrue(e.getMessage().contains("boxRegression"), e.getMessage());
    }
}
