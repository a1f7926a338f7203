package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.vit.testing.GradCheck;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The three FCOS losses: targets, values and gradients against PyTorch (golden/fcos_losses.py,
 * float64 autograd of fvcore's and detectron2's formulas), float64 central differences, hand values.
 */
class FcosLossesTest {

    private static JsonNode golden() throws IOException {
        try (InputStream in = FcosLossesTest.class.getResourceAsStream("/golden/fcos_losses.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    private static INDArray matrix(double[] v, int cols) {
        return Nd4j.createFromArray(v).reshape(v.length / cols, cols);
    }

    private static FcosTargets goldenTargets(JsonNode g) {
        List<FeatureLevel> levels = new ArrayList<>();
        for (JsonNode lv : g.get("levels")) {
            levels.add(new FeatureLevel(lv.get(0).asInt(), lv.get(1).asInt(), lv.get(2).asInt()));
        }
        List<List<BoundingBox>> boxes = new ArrayList<>();
        for (JsonNode img : g.get("boxes")) {
            List<BoundingBox> b = new ArrayList<>();
            for (JsonNode x : img) {
                b.add(new BoundingBox(x.get(0).asDouble(), x.get(1).asDouble(), x.get(2).asDouble(), x.get(3).asDouble(), x.get(4).asInt()));
            }
            boxes.add(b);
        }
        AnchorPoints points = new AnchorPoints(levels, boxes.size());
        return new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), g.get("numClasses").asInt())
                .assign(points, boxes);
    }

    @Test
    void targetsMatchPyTorch() throws IOException {
        JsonNode g = golden();
        FcosTargets t = goldenTargets(g);
        int[] expected = new int[g.get("classes").size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = g.get("classes").get(i).asInt();
        }
        assertArrayEquals(expected, t.classes());
        assertEquals(g.get("numPositives").asInt(), t.numPositives());
        assertArrayEquals(doubles(g.get("centernessTargets")), t.centerness(), 1e-15);
    }

    @Test
    void lossesAndGradientsMatchPyTorch() throws IOException {
        JsonNode g = golden();
        FcosTargets t = goldenTargets(g);
        int k = t.numClasses();
        INDArray logits = matrix(doubles(g.get("logits")), k);
        INDArray box = matrix(doubles(g.get("boxRegression")), 4);
        INDArray ctr = matrix(doubles(g.get("centerness")), 1);
        INDArray dLogits = Nd4j.zeros(DataType.DOUBLE, t.rows(), k);
        INDArray dBox = Nd4j.zeros(DataType.DOUBLE, t.rows(), 4);
        INDArray dCtr = Nd4j.zeros(DataType.DOUBLE, t.rows(), 1);
        assertEquals(g.get("lossCls").asDouble(), SigmoidFocalLoss.detectron2().forward(logits, t, dLogits), 1e-12);
        assertEquals(g.get("lossBox").asDouble(), GiouLoss.forward(box, t, dBox), 1e-12);
        assertEquals(g.get("lossCtr").asDouble(), CenternessLoss.forward(ctr, t, dCtr), 1e-12);
        assertArrayEquals(doubles(g.get("dLogits")), dLogits.data().asDouble(), 1e-13);
        assertArrayEquals(doubles(g.get("dBoxRegression")), dBox.data().asDouble(), 1e-13);
        assertArrayEquals(doubles(g.get("dCenterness")), dCtr.data().asDouble(), 1e-13);
        // the fixture's one negative raw box output on a positive row has no gradient
        int zeros = 0;
        for (int row : t.positiveRows()) {
            for (int j = 0; j < 4; j++) {
                if (box.getDouble(row, j) <= 0) {
                    assertEquals(0.0, dBox.getDouble(row, j));
                    zeros++;
                }
            }
        }
        assertEquals(1, zeros);
    }

    /** Random targets over two levels and two images, and raw outputs near them. */
    private static final class Case {
        final FcosTargets targets;
        final INDArray logits;
        final INDArray box;
        final INDArray ctr;

        Case(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            List<FeatureLevel> levels = List.of(new FeatureLevel(8, 6, 8), new FeatureLevel(16, 3, 4));
            List<List<BoundingBox>> boxes = List.of(
                    List.of(new BoundingBox(3, 5, 29, 37, 0), new BoundingBox(30, 4, 60, 44, 1)),
                    List.of(new BoundingBox(1, 1, 63, 47, 2), new BoundingBox(20, 20, 36, 33, 1)));
            AnchorPoints points = new AnchorPoints(levels, 2);
            targets = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), 3).assign(points, boxes);
            int rows = targets.rows();
            double[] z = new double[rows * 3];
            for (int i = 0; i < z.length; i++) {
                z[i] = 4 * r.nextDouble() - 2;
            }
            double[] d = targets.deltas();
            double[] b = new double[rows * 4];
            for (int i = 0; i < b.length; i++) {
                // near the target on positives, well away from the ReLU's kink (and the boxes' edges)
                b[i] = targets.classOf(i / 4) >= 0 ? d[i] * Math.exp(0.4 * (r.nextDouble() - 0.5)) + 0.05 : 0.5 + r.nextDouble();
            }
            double[] c = new double[rows];
            for (int i = 0; i < rows; i++) {
                c[i] = 4 * r.nextDouble() - 2;
            }
            logits = matrix(z, 3);
            box = matrix(b, 4);
            ctr = matrix(c, 1);
            assertTrue(targets.numPositives() > 10, "positives " + targets.numPositives());
        }
    }

    @Test
    void focalLossGradientMatchesFiniteDifferences() {
        Case c = new Case(1);
        for (SigmoidFocalLoss loss : List.of(SigmoidFocalLoss.detectron2(), new SigmoidFocalLoss(0.6, 0.5), new SigmoidFocalLoss(0.25, 0))) {
            INDArray grad = Nd4j.zeros(DataType.DOUBLE, c.logits.shape());
            loss.forward(c.logits, c.targets, grad);
            GradCheck.check("dLogits " + loss, c.logits, grad, () -> loss.forward(c.logits, c.targets, null), 400, 3);
        }
    }

    @Test
    void giouLossGradientMatchesFiniteDifferences() {
        Case c = new Case(2);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, c.box.shape());
        GiouLoss.forward(c.box, c.targets, grad);
        GradCheck.check("dBoxRegression", c.box, grad, () -> GiouLoss.forward(c.box, c.targets, null), 1000, 4);
        // background rows: no gradient
        for (int i = 0; i < c.targets.rows(); i++) {
            if (c.targets.classOf(i) < 0) {
                assertArrayEquals(new double[4], grad.getRow(i).toDoubleVector());
            }
        }
    }

    @Test
    void giouLossGradientThroughUnnormalisedCoding() {
        // the same rows coded in pixels: the raw outputs are pixel distances, the gradient 1/stride of the normalised one
        List<FeatureLevel> levels = List.of(new FeatureLevel(8, 4, 4));
        AnchorPoints points = new AnchorPoints(levels, 1);
        List<List<BoundingBox>> boxes = List.of(List.of(new BoundingBox(2, 3, 27, 30, 0)));
        FcosTargets norm = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), 1).assign(points, boxes);
        FcosTargets pix = new FcosTargetAssigner(MatchingConfig.detectron2(levels), new BoxCoding(false), 1).assign(points, boxes);
        INDArray raw = Nd4j.rand(DataType.DOUBLE, 16, 4).addi(1);
        INDArray rawPix = raw.mul(8);
        INDArray g = Nd4j.zeros(DataType.DOUBLE, 16, 4);
        INDArray gPix = Nd4j.zeros(DataType.DOUBLE, 16, 4);
        assertEquals(GiouLoss.forward(raw, norm, g), GiouLoss.forward(rawPix, pix, gPix), 1e-14);
        assertArrayEquals(g.div(8).data().asDouble(), gPix.data().asDouble(), 1e-14);
        GradCheck.check("dBoxRegression (pixels)", rawPix, gPix, () -> GiouLoss.forward(rawPix, pix, null), 64, 5);
    }

    @Test
    void centernessLossGradientMatchesFiniteDifferences() {
        Case c = new Case(3);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, c.ctr.shape());
        CenternessLoss.forward(c.ctr, c.targets, grad);
        GradCheck.check("dCenterness", c.ctr, grad, () -> CenternessLoss.forward(c.ctr, c.targets, null), 200, 6);
    }

    @Test
    void handValues() {
        // one point (12, 12) of stride 8, inside the box [8, 8, 16, 16]
        List<FeatureLevel> levels = List.of(new FeatureLevel(8, 2, 2));
        AnchorPoints points = new AnchorPoints(levels, 1);
        FcosTargets t = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), 2)
                .assign(points, List.of(List.of(new BoundingBox(8, 8, 16, 16, 1))));
        assertEquals(1, t.numPositives());
        int pos = points.row(0, 3);
        assertEquals(1, t.classOf(pos));
        // focal: the positive (row pos, class 1) at z = 0: 0.25 * 0.5^2 * log 2; every other entry at z = 0: 0.75 * 0.25 * log 2
        INDArray z = Nd4j.zeros(DataType.DOUBLE, 4, 2);
        assertEquals((0.25 * 0.25 + 7 * 0.75 * 0.25) * Math.log(2), SigmoidFocalLoss.detectron2().forward(z, t, null), 1e-15);
        // GIoU: the prediction [10, 10, 14, 14] (deltas 0.25) inside the box: iou = 16 / 64, enclosing = the box
        INDArray b = Nd4j.zeros(DataType.DOUBLE, 4, 4);
        b.getRow(pos).assign(0.25);
        assertEquals(1 - 16 / (64 + GiouLoss.EPS), GiouLoss.forward(b, t, null), 1e-15);
        // the exact box: loss 1 - 64 / (64 + eps) (fvcore's eps), enclosing term 0
        b.getRow(pos).assign(0.5);
        assertEquals(1 - 64 / (64 + GiouLoss.EPS), GiouLoss.forward(b, t, null), 1e-16);
        // a collapsed prediction (ReLU of negatives): no overlap, enclosing = the box -> loss 1
        b.getRow(pos).assign(-1);
        assertEquals(1, GiouLoss.forward(b, t, null), 1e-12);
        // centerness at the centre is 1: BCE(x = 0, 1) = log 2; background rows count nothing
        INDArray c = Nd4j.createFromArray(new double[] {5, -3, 7, 0}).reshape(4, 1);
        assertEquals(Math.log(2), CenternessLoss.forward(c, t, null), 1e-15);
        assertEquals(Math.log(2) / 4, CenternessLoss.forward(c, t, 4, null), 1e-15);
    }

    @Test
    void float32OutputsGetFloat32Gradients() {
        Case c = new Case(4);
        INDArray z = c.logits.castTo(DataType.FLOAT);
        INDArray gz = Nd4j.zeros(DataType.FLOAT, z.shape());
        INDArray g64 = Nd4j.zeros(DataType.DOUBLE, z.shape());
        double l32 = SigmoidFocalLoss.detectron2().forward(z, c.targets, gz);
        double l64 = SigmoidFocalLoss.detectron2().forward(z.castTo(DataType.DOUBLE), c.targets, g64);
        assertEquals(l64, l32, 0.0);
        assertEquals(DataType.FLOAT, gz.dataType());
        assertArrayEquals(g64.data().asFloat(), gz.data().asFloat(), 0f);
    }

    @Test
    void normalisers() {
        Case c = new Case(5);
        double l = CenternessLoss.forward(c.ctr, c.targets, null);
        assertEquals(l * c.targets.numPositives() / 300, CenternessLoss.forward(c.ctr, c.targets, 300, null), 1e-14);
        LossNormalizer ema = LossNormalizer.detectron2();
        assertEquals(0.9 * 300 + 0.1 * 20, ema.update(20), 1e-12);
        assertEquals(0.9 * (0.9 * 300 + 0.1 * 20) + 0.1 * 1, ema.update(0), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GiouLoss.forward(c.box, c.targets, 0, null));
        assertTrue(e.getMessage().contains("normalizer"));
        e = assertThrows(IllegalArgumentException.class, () -> new LossNormalizer(300, 1));
        assertTrue(e.getMessage().contains("momentum"));
    }

    @Test
    void badShapesAndConfigsAreNamed() {
        Case c = new Case(6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SigmoidFocalLoss.detectron2().forward(Nd4j.zeros(DataType.DOUBLE, c.targets.rows(), 4), c.targets, null));
        assertTrue(e.getMessage().contains("logits"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GiouLoss.forward(c.box, c.targets, Nd4j.zeros(DataType.DOUBLE, 3, 4)));
        assertTrue(e.getMessage().contains("dBoxRegression"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss(1.5, 2));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss(0.25, -1));
        assertTrue(e.getMessage().contains("gamma"), e.getMessage());
    }

    @Test
    void theObjectiveSumsTheThreeOverOneNormaliser() {
        Case c = new Case(7);
        double n = c.targets.normalizer();
        INDArray gz = Nd4j.zeros(DataType.DOUBLE, c.logits.shape());
        INDArray gb = Nd4j.zeros(DataType.DOUBLE, c.box.shape());
        INDArray gc = Nd4j.zeros(DataType.DOUBLE, c.ctr.shape());
        FcosLoss.Terms terms = FcosLoss.detectron2().forward(c.logits, c.box, c.ctr, c.targets, n, gz, gb, gc);
        assertEquals(SigmoidFocalLoss.detectron2().forward(c.logits, c.targets, null), terms.classification(), 0.0);
        assertEquals(GiouLoss.forward(c.box, c.targets, null), terms.boxRegression(), 0.0);
        assertEquals(CenternessLoss.forward(c.ctr, c.targets, null), terms.centerness(), 0.0);
        assertEquals(terms.classification() + terms.boxRegression() + terms.centerness(), terms.total(), 0.0);
        INDArray g = Nd4j.zeros(DataType.DOUBLE, c.box.shape());
        GiouLoss.forward(c.box, c.targets, g);
        assertArrayEquals(g.data().asDouble(), gb.data().asDouble(), 0.0);
    }

    @Test
    void classificationPriorBias() {
        assertEquals(-Math.log(99), ClassificationPrior.bias(), 1e-15);
        assertEquals(0.01, 1 / (1 + Math.exp(-ClassificationPrior.bias())), 1e-15);
        assertEquals(0, ClassificationPrior.bias(0.5), 0.0);
        assertThrows(IllegalArgumentException.class, () -> ClassificationPrior.bias(1));
    }
}
