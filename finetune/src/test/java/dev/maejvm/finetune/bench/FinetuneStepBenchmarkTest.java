package dev.maejvm.finetune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

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

}
