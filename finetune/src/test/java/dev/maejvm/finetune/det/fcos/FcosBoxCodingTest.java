package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** ltrb coding: values, round trips, the ReLU of decoding; centerness. */
class FcosBoxCodingTest {

    @Test
    void encodesDistancesOverStride() {
        double[] d = new double[4];
        BoxCoding.detectron2().encode(20, 12, 8, 4, 0, 40, 36, d, 0);
        assertArrayEquals(new double[] {2, 1.5, 2.5, 3}, d);
        new BoxCoding(false).encode(20, 12, 8, 4, 0, 40, 36, d, 0);
        assertArrayEquals(new double[] {16, 12, 20, 24}, d);
    }

    @Test
    void roundTripIsExactForPixelBoxes() {
        SplittableRandom r = new SplittableRandom(7);
        double[] d = new double[4];
        double[] b = new double[4];
        for (BoxCoding coding : new BoxCoding[] {BoxCoding.detectron2(), new BoxCoding(false)}) {
            for (int i = 0; i < 1000; i++) {
                int stride = 1 << (2 + r.nextInt(6));
                double px = (r.nextInt(64) + 0.5) * stride;
                double py = (r.nextInt(64) + 0.5) * stride;
                // a box around the point, edges on a 1/4-pixel grid as resized COCO boxes are not: exact anyway
                double x0 = px - 0.25 * (1 + r.nextInt(4000));
                double y0 = py - 0.25 * (1 + r.nextInt(4000));
                double x1 = px + 0.25 * (1 + r.nextInt(4000));
                double y1 = py + 0.25 * (1 + r.nextInt(4000));
                coding.encode(px, py, stride, x0, y0, x1, y1, d, 0);
                coding.decode(px, py, stride, d, 0, b, 0);
                assertArrayEquals(new double[] {x0, y0, x1, y1}, b, 0.0);
            }
        }
    }

    @Test
    void roundTripOfArbitraryBoxesIsExactToRounding() {
        SplittableRandom r = new SplittableRandom(8);
        double[] d = new double[4];
        double[] b = new double[4];
        BoxCoding coding = BoxCoding.detectron2();
        for (int i = 0; i < 1000; i++) {
            double px = (r.nextInt(100) + 0.5) * 16;
            double py = (r.nextInt(100) + 0.5) * 16;
            double x0 = px - 500 * r.nextDouble() - 1e-3;
            double y0 = py - 500 * r.nextDouble() - 1e-3;
            double x1 = px + 500 * r.nextDouble() + 1e-3;
            double y1 = py + 500 * r.nextDouble() + 1e-3;
            coding.encode(px, py, 16, x0, y0, x1, y1, d, 0);
            coding.decode(px, py, 16, d, 0, b, 0);
            assertArrayEquals(new double[] {x0, y0, x1, y1}, b, 1e-12);
        }
    }

    @Test
    void decodingClampsNegativeDeltasToZero() {
        double[] b = new double[4];
        BoxCoding.detectron2().decode(12, 20, 8, new double[] {-1, 1, -0.5, 2}, 0, b, 0);
        assertArrayEquals(new double[] {12, 12, 12, 36}, b);
    }

    @Test
    void centernessIsOneAtTheCentreAndFallsTowardsEdges() {
        assertEquals(1.0, Centerness.of(3, 5, 3, 5), 0.0);
        assertEquals(Math.sqrt(1.0 / 3 * (2.0 / 4)), Centerness.of(1, 2, 3, 4), 1e-15);
        assertEquals(Centerness.of(1, 2, 3, 4), Centerness.of(8, 16, 24, 32), 1e-15);
        assertEquals(true, Centerness.of(0.01, 5, 10, 5) < 0.04);
    }
}
