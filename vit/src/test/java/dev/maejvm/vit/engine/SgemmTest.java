package dev.maejvm.vit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.testing.Arrays64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Kernels.matmul's OpenBLAS path in float32 against float64 products, every transpose, on views. */
class SgemmTest {
    static final double TOL = 1e-4;   // float32 sums of 37 O(1) products

    /** Rows [from, from + rows) of a bigger float32 array: a c-order view with an offset. */
    static INDArray view(Random rng, long from, long rows, long cols) {
        INDArray big = Arrays64.normal(rng, from + rows + 2, cols).castTo(DataType.FLOAT);
        return big.get(NDArrayIndex.interval(from, from + rows), NDArrayIndex.all());
    }

    @Test
    void everyTransposeMatchesFloat64() {
        Random rng = new Random(3);
        checkEveryTranspose(rng, 23, 37, 11, TOL);
    }

    /**
     * Products big enough to be split over the cores: by c's rows (m >= n) and by its columns
     * (m < n), every transpose, on views, against float64.
     */
    @Test
    void productsSplitOverTheCoresMatchFloat64() {
        Random rng = new Random(5);
        int k = 61;
        for (int[] mn : new int[][] {{97, 53}, {53, 97}}) {
            int m = mn[0];
            int n = mn[1];
            assertTrue((long) m * n * k >= Sgemm.MIN_SPLIT_MACS);
            assertEquals(KernelPool.threads() > 1 && !Boolean.getBoolean("mae.openblasThreads"),
                    Sgemm.splits(m, n, k), "split over the cores exactly when there are several");
            checkEveryTranspose(rng, m, k, n, 2 * TOL);
        }
    }

    /** c = 0.5 op(a) op(b) + 2 c through Kernels.matmul on float32 views, against float64, for every transpose. */
    private static void checkEveryTranspose(Random rng, int m, int k, int n, double tol) {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                INDArray a = ta ? view(rng, 5, k, m) : view(rng, 5, m, k);
                INDArray b = tb ? view(rng, 3, n, k) : view(rng, 3, k, n);
                INDArray c = view(rng, 7, m, n);
                assertTrue(Sgemm.applies(a, b, c), "float32 host views take the OpenBLAS path");
                INDArray a64 = a.castTo(DataType.DOUBLE);
                INDArray b64 = b.castTo(DataType.DOUBLE);
                INDArray expected = (ta ? a64.transpose() : a64).mmul(tb ? b64.transpose() : b64).muli(0.5)
                        .addi(c.castTo(DataType.DOUBLE).muli(2.0));
                Kernels.matmul(a, b, c, ta, tb, 0.5, 2.0);
                double diff = Arrays64.maxAbsDiff(c, expected);
                assertTrue(diff < tol, m + "x" + n + " transA " + ta + " transB " + tb + ": max |diff| " + diff);
            }
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        Random rng = new Random(4);
        INDArray a = view(rng, 0, 4, 5);
        INDArray b = view(rng, 0, 6, 3);
        INDArray c = view(rng, 0, 4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.matmul(a, b, c, false, false, 1, 0));
        assertTrue(e.getMessage().contains("4x5") && e.getMessage().contains("6x3"), e.getMessage());
    }
}
