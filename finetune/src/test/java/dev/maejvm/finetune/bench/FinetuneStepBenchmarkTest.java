package dev.maejvm.finetune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fine-tuning step bench on the micro preset: consistent figures (no timing thresholds), and its loss. */
class FinetuneStepBenchmarkTest {

    @Test
    void measuresTheStepAndEachOfItsPhasesAgainAndAgain() {
        FinetuneStepBenchmark bench = new FinetuneStepBenchmark("micro", 4, 10, 0.1);
        for (int round = 0; round < 2; round++) {
            FinetuneStepBenchmark.Result r = bench.measure(1, 3);
            assertTrue(r.medianStepS() > 0 && r.bestStepS() > 0 && r.bestStepS() <= r.medianStepS(), r.toString());
            assertEquals(4 / r.medianStepS(), r.imagesPerS(), 1e-9 * r.imagesPerS());
            assertEquals(bench.flopsPerImage() * r.imagesPerS() / 1e9, r.gflopPerS(), 1e-9 * r.gflopPerS());
            assertTrue(r.peakRssMib() > 0 && Double.isFinite(r.loss()), r.toString());
            FinetuneStepBenchmark.Phases p = r.phases();
            double stepMs = r.medianStepS() * 1000;
            for (double ms : new double[] {p.zeroing(), p.forward(), p.loss(), p.backward(), p.optimizer()}) {
                assertTrue(ms > 0 && ms <= stepMs, "phase " + ms + " ms against a step of " + stepMs + " ms: " + p);
            }
        }
    }

    @Test
    void theLossIsTheCrossEntropyOnSmoothedTargetsAndItsGradient() {
        SmoothedTargetLoss loss = new SmoothedTargetLoss(3, 0.3);
        INDArray z = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {0.5, -1, 0}});
        int[] labels = {2, 0};
        double value = loss.forward(z, labels);
        INDArray dz = loss.backward(z);
        double[][] t = {{0.1, 0.1, 0.8}, {0.8, 0.1, 0.1}};         // 0.3 / 3 everywhere, 1 - 0.3 more on the label
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double lse = Math.log(Math.exp(z.getDouble(i, 0)) + Math.exp(z.getDouble(i, 1)) + Math.exp(z.getDouble(i, 2)));
            for (int c = 0; c < 3; c++) {
                expected -= t[i][c] * (z.getDouble(i, c) - lse) / 2;
                assertEquals((Math.exp(z.getDouble(i, c) - lse) - t[i][c]) / 2, dz.getDouble(i, c), 1e-15);
            }
        }
        assertEquals(expected, value, 1e-15);
        for (int i = 0; i < 2; i++) {
            assertEquals(0, dz.getRow(i).sumNumber().doubleValue(), 1e-15, "softmax and targets both sum to 1");
        }
    }
}
