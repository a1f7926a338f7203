package dev.maejvm.vit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.io.SafeTensors;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link PosEmbedInterpolation} against PyTorch's float64 {@code F.interpolate(mode='bicubic',
 * align_corners=False)} as the official {@code interpolate_pos_embed} calls it
 * ({@code src/test/resources/golden/make_pos_embed_interp.py}, which writes
 * {@code pos_embed_interp.safetensors}: "&lt;case&gt;.in" [E + oldH*oldW, 8], "&lt;case&gt;.out" [E + newH*newW, 8]).
 */
class PosEmbedInterpolationTest {
    /**
     * Both sides do the same float64 operations in the same order: against torch's portable kernel
     * (what the script records) the measured error is 0; torch's AVX2 kernel, whose tap sums GCC
     * contracts into FMAs, differs by at most 7e-16. Values are of order 1. A wrong rule moves them by
     * 4e-2 or more (A = -0.5, zero padding instead of clamping, align_corners=True, antialias, bilinear).
     */
    static final double TOL = 1e-12;

    static Map<String, INDArray> golden;

    @BeforeAll
    static void load() throws IOException {
        golden = SafeTensors.read(GoldenTest.golden("pos_embed_interp.safetensors"), DataType.DOUBLE).tensors();
    }

    static double[][] in(String name) {
        return golden.get(name + ".in").toDoubleMatrix();
    }

    static double[][] out(String name) {
        return golden.get(name + ".out").toDoubleMatrix();
    }

    @Test
    void sameGridIsAnExactCopy() {
        double[][] table = in("square_7x7_to_14x14");
        double[][] got = PosEmbedInterpolation.interpolate(table, 7, 7, 7, 7, 1);
        assertEquals(table.length, got.length);
        for (int r = 0; r < table.length; r++) {
            assertArrayEquals(table[r], got[r], 0, "row " + r);
            assertNotSame(table[r], got[r], "row " + r + " must be a copy");
        }
    }

    @Test
    void upsample7x7To14x14MatchesTorch() {
        String name = "square_7x7_to_14x14";
        assertMatches(name, out(name), PosEmbedInterpolation.interpolate(in(name), 7, 7, 14, 14, 1));
    }

    @Test
    void nonSquare4x6To5x3MatchesTorch() {
        String name = "rect_4x6_to_5x3";
        assertMatches(name, out(name), PosEmbedInterpolation.interpolate(in(name), 4, 6, 5, 3, 1));
    }

    @Test
    void twoExtraTokens3x3To2x4MatchesTorch() {
        String name = "extra2_3x3_to_2x4";
        assertMatches(name, out(name), PosEmbedInterpolation.interpolate(in(name), 3, 3, 2, 4, 2));
    }

    @Test
    void clsRowIsKeptUnchanged() {
        double[][] table = in("square_7x7_to_14x14");
        double[][] got = PosEmbedInterpolation.interpolate(table, 7, 7, 14, 14, 1);
        assertArrayEquals(table[0], got[0], 0);
    }

    @Test
    void indArrayOverloadKeepsTheDataType() {
        String name = "rect_4x6_to_5x3";
        INDArray table = golden.get(name + ".in").castTo(DataType.FLOAT);
        INDArray got = PosEmbedInterpolation.interpolate(table, 4, 6, 5, 3, 1);
        assertEquals(DataType.FLOAT, got.dataType());
        assertArrayEquals(new long[] {1 + 5 * 3, 8}, got.shape());
        double[][] viaDouble = PosEmbedInterpolation.interpolate(table.castTo(DataType.DOUBLE).toDoubleMatrix(), 4, 6, 5, 3, 1);
        INDArray expected = Nd4j.createFromArray(viaDouble).castTo(DataType.FLOAT);
        assertEquals(expected, got);
    }

    @Test
    void rejectsInconsistentArguments() {
        double[][] table = in("square_7x7_to_14x14");
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> PosEmbedInterpolation.interpolate(table, 7, 6, 14, 14, 1));
        assertTrue(rows.getMessage().contains("numExtraTokens + oldH * oldW"), rows.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> PosEmbedInterpolation.interpolate(table, 7, 7, 0, 14, 1));
        assertTrue(size.getMessage().contains("newH"), size.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> PosEmbedInterpolation.interpolate(table, 7, 7, 14, 14, -1));
        assertTrue(extra.getMessage().contains("numExtraTokens"), extra.getMessage());
    }

    /** Max |got - expected| <= TOL (values are of order 1), naming the worst element otherwise. */
    static void assertMatches(String what, double[][] expected, double[][] got) {
        assertEquals(expected.length, got.length, what + " rows");
        double worst = -1;
        int wr = -1;
        int wc = -1;
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, got[r].length, what + " row " + r + " length");
            for (int c = 0; c < expected[r].length; c++) {
                double d = Math.abs(got[r][c] - expected[r][c]);
                if (d > worst || Double.isNaN(d)) {
                    worst = d;
                    wr = r;
                    wc = c;
                }
            }
        }
        assertTrue(worst <= TOL, what + ": max |diff| " + worst + " at [" + wr + "][" + wc + "] (got "
                + got[wr][wc] + ", torch " + expected[wr][wc] + "), tolerance " + TOL);
    }
}
