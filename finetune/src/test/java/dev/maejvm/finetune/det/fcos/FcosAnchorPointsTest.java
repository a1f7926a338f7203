package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Point centres at (i + 0.5) stride, per-image order (level, y, x), batch rows (level, n, y, x). */
class FcosAnchorPointsTest {
    private static final List<FeatureLevel> LEVELS = List.of(new FeatureLevel(8, 3, 4), new FeatureLevel(16, 2, 2));

    @Test
    void centresAreCellCentres() {
        AnchorPoints p = new AnchorPoints(LEVELS, 1);
        assertEquals(16, p.pointsPerImage());
        // level 0, y 0, x 0..3
        assertEquals(4, p.centerX(0));
        assertEquals(4, p.centerY(0));
        assertEquals(28, p.centerX(3));
        // level 0, y 1, x 0
        assertEquals(4, p.centerX(4));
        assertEquals(12, p.centerY(4));
        // level 1 starts at 12: (x 1, y 1) is point 15
        assertEquals(12, p.levelOffset(1));
        assertEquals(1, p.level(15));
        assertEquals(16, p.stride(15));
        assertEquals(24, p.centerX(15));
        assertEquals(24, p.centerY(15));
        double[] strides = new double[16];
        double[] xy = p.centers(strides);
        for (int i = 0; i < 16; i++) {
            assertEquals(p.centerX(i), xy[2 * i]);
            assertEquals(p.centerY(i), xy[2 * i + 1]);
            assertEquals(p.stride(i), strides[i]);
        }
    }

    @Test
    void batchRowsAreLevelThenImageThenYx() {
        AnchorPoints p = new AnchorPoints(LEVELS, 3);
        assertEquals(48, p.rows());
        // level 0 occupies rows [0, 36): image n at 12 n; level 1 rows [36, 48): image n at 36 + 4 n
        assertEquals(0, p.row(0, 0));
        assertEquals(12 + 5, p.row(1, 5));
        assertEquals(24 + 11, p.row(2, 11));
        assertEquals(36, p.row(0, 12));
        assertEquals(36 + 4 * 2 + 3, p.row(2, 15));
        Set<Integer> seen = new HashSet<>();
        for (int n = 0; n < 3; n++) {
            int[] rows = p.rowsOf(n);
            for (int i = 0; i < 16; i++) {
                assertEquals(p.row(n, i), rows[i]);
                assertEquals(i, p.pointOf(rows[i]));
                assertEquals(n, p.imageOf(rows[i]));
                assertTrue(seen.add(rows[i]));
            }
        }
        assertEquals(48, seen.size());
        assertArrayEquals(new int[] {36, 37, 38, 39}, java.util.Arrays.copyOfRange(p.rowsOf(0), 12, 16));
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FeatureLevel(0, 1, 1));
        assertTrue(e.getMessage().contains("stride"));
        e = assertThrows(IllegalArgumentException.class, () -> new FeatureLevel(8, 1, -1));
        assertTrue(e.getMessage().contains("width"));
        e = assertThrows(IllegalArgumentException.class, () -> new AnchorPoints(LEVELS, 0));
        assertTrue(e.getMessage().contains("batchSize"));
        AnchorPoints p = new AnchorPoints(LEVELS, 2);
        assertThrows(IndexOutOfBoundsException.class, () -> p.row(2, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> p.row(0, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> p.pointOf(32));
    }
}
