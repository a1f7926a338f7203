package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Class-aware greedy NMS: suppression above the IoU threshold, classes apart, deterministic ties. */
class FcosNmsTest {

    private static double[] boxes(double[]... b) {
        double[] out = new double[4 * b.length];
        for (int i = 0; i < b.length; i++) {
            System.arraycopy(b[i], 0, out, 4 * i, 4);
        }
        return out;
    }

    @Test
    void iouValues() {
        double[] b = boxes(new double[] {0, 0, 10, 10}, new double[] {5, 0, 15, 10}, new double[] {20, 20, 30, 30}, new double[] {3, 3, 3, 8});
        assertEquals(50.0 / 150, Nms.iou(b, 0, b, 4), 1e-15);
        assertEquals(0, Nms.iou(b, 0, b, 8));
        assertEquals(1, Nms.iou(b, 0, b, 0));
        assertEquals(0, Nms.iou(b, 12, b, 12)); // an empty box: empty union
    }

    @Test
    void suppressesAboveTheThresholdOnly() {
        double[] b = boxes(
                new double[] {0, 0, 10, 10},
                new double[] {0, 0, 10, 7}, // IoU 0.7 with box 0
                new double[] {0, 0, 10, 6}, // IoU 0.6: not above
                new double[] {0, 0, 10, 5}); // IoU 0.5
        int[] keep = Nms.batched(b, new double[] {0.9, 0.8, 0.7, 0.6}, new int[4], 0.6);
        // box 1 goes (0.7 > 0.6); box 2 stays, and suppresses box 3 (IoU 5/6)
        assertArrayEquals(new int[] {0, 2}, keep);
    }

    @Test
    void onlyKeptBoxesSuppress() {
        // 1 overlaps 0 (IoU 0.8) and 2 (IoU 0.8); 0 and 2 overlap by 0.6: 1 goes, 2 stays
        double[] b = boxes(new double[] {0, 0, 10, 10}, new double[] {1, 0, 11, 10}, new double[] {2, 0, 12, 10});
        assertEquals(8.0 / 12, Nms.iou(b, 0, b, 8), 1e-15);
        assertArrayEquals(new int[] {0, 2}, Nms.batched(b, new double[] {0.9, 0.8, 0.7}, new int[3], 0.7));
    }

    @Test
    void classesDoNotSuppressEachOther() {
        double[] b = boxes(new double[] {0, 0, 10, 10}, new double[] {0, 0, 10, 10}, new double[] {0, 0, 10, 10});
        assertArrayEquals(new int[] {1, 0}, Nms.batched(b, new double[] {0.5, 0.9, 0.7}, new int[] {0, 1, 1}, 0.6));
        assertArrayEquals(new int[] {1, 2, 0}, Nms.batched(b, new double[] {0.5, 0.9, 0.7}, new int[] {0, 1, 2}, 0.6));
    }

    @Test
    void equalScoresKeepTheLowerIndex() {
        double[] b = boxes(new double[] {0, 0, 10, 10}, new double[] {0, 0, 10, 10}, new double[] {50, 50, 60, 60}, new double[] {0, 0, 10, 10});
        assertArrayEquals(new int[] {0, 2}, Nms.batched(b, new double[] {0.5, 0.5, 0.5, 0.5}, new int[4], 0.6));
        // the kept order: decreasing score, then index
        assertArrayEquals(new int[] {2, 1}, Nms.batched(b, new double[] {0.4, 0.5, 0.6, 0.5}, new int[4], 0.6));
    }

    /** Textbook greedy NMS: sort, then each kept box suppresses every later overlapping box of its class. */
    private static int[] reference(double[] b, double[] s, int[] c, double thr) {
        int m = s.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> s[x] != s[y] ? Double.compare(s[y], s[x]) : Integer.compare(x, y));
        boolean[] gone = new boolean[m];
        java.util.List<Integer> keep = new java.util.ArrayList<>();
        for (int a = 0; a < m; a++) {
            int i = order[a];
            if (gone[i]) {
                continue;
            }
            keep.add(i);
            for (int q = a + 1; q < m; q++) {
                int j = order[q];
                if (c[j] == c[i] && Nms.iou(b, 4 * i, b, 4 * j) > thr) {
                    gone[j] = true;
                }
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void agreesWithTextbookGreedyNmsOnRandomBoxes() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(17);
        for (int trial = 0; trial < 30; trial++) {
            int m = r.nextInt(400);
            double[] b = new double[4 * m];
            double[] s = new double[m];
            int[] c = new int[m];
            for (int i = 0; i < m; i++) {
                double x = r.nextDouble() * 100;
                double y = r.nextDouble() * 100;
                b[4 * i] = x;
                b[4 * i + 1] = y;
                b[4 * i + 2] = x + 5 + r.nextDouble() * 40;
                b[4 * i + 3] = y + 5 + r.nextDouble() * 40;
                s[i] = r.nextInt(20) / 20.0;
                c[i] = r.nextInt(4);
            }
            double thr = r.nextDouble();
            assertArrayEquals(reference(b, s, c, thr), Nms.batched(b, s, c, thr), "trial " + trial);
        }
    }

    @Test
    void emptyAndBadInput() {
        assertArrayEquals(new int[0], Nms.batched(new double[0], new double[0], new int[0], 0.5));
        assertThrows(IllegalArgumentException.class, () -> Nms.batched(new double[4], new double[2], new int[2], 0.5));
        assertThrows(IllegalArgumentException.class, () -> Nms.batched(new double[4], new double[1], new int[1], 1.5));
        assertThrows(IllegalArgumentException.class, () -> Nms.batched(new double[4], new double[] {Double.NaN}, new int[1], 0.5));
    }
}
