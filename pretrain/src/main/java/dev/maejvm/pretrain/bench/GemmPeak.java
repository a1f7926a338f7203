package dev.maejvm.pretrain.bench;

import dev.maejvm.vit.engine.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's measured float32 gemm peak: the best of n^3 products into a preallocated result,
 * through the gemm the layers use ({@link Kernels#matmul}), tried for at least half a second (a
 * best of 5 read 132-170 GFLOP/s in some runs where the machine's usual figure was 260-270).
 */
public final class GemmPeak {
    private static final long MIN_NANOS = 500_000_000L;

    private GemmPeak() {}

    /** @return GFLOP/s, the best over at least {@code repeats} products of size n and half a second */
    public static double measure(int n, int repeats) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Kernels.matmul(a, b, c, false, false, 1.0, 0.0);            // warm-up
        double best = Double.MAX_VALUE;
        long start = System.nanoTime();
        for (int i = 0; i < repeats || System.nanoTime() - start < MIN_NANOS; i++) {
            long t0 = System.nanoTime();
            Kernels.matmul(a, b, c, false, false, 1.0, 0.0);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
