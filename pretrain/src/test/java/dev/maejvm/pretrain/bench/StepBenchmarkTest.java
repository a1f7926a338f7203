package dev.maejvm.pretrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The step benchmark on the micro preset: figures that are consistent with each other (no timing thresholds). */
class StepBenchmarkTest {

    @Test
    void measuresTheStepAndEachOfItsPhases() {
        StepBenchmark.Result r = StepBenchmark.run("micro", 4, 0.75, 1, 3);
        assertEquals(0.75, r.maskRatio());
        assertTrue(r.medianStepS() > 0 && r.bestStepS() > 0 && r.bestStepS() <= r.medianStepS(), r.toString());
        assertEquals(4 / r.medianStepS(), r.imagesPerS(), 1e-9 * r.imagesPerS());
        assertTrue(r.gflopPerS() > 0 && r.peakRssMib() > 0, r.toString());
        StepBenchmark.Phases p = r.phases();
        double[] phases = {p.masking(), p.encoderForward(), p.decoderForward(), p.loss(), p.decoderBackward(),
            p.encoderBackward(), p.optimizer()};
        double stepMs = r.medianStepS() * 1000;
        for (double ms : phases) {
            // every step contains each phase, so the median step is no shorter than any phase's median
            assertTrue(ms > 0 && ms <= stepMs, "phase " + ms + " ms against a step of " + stepMs + " ms: " + p);
        }
        assertEquals(p.encoderForward() + p.encoderBackward(), p.encoder(), 0.0);
        assertEquals(p.decoderForward() + p.decoderBackward(), p.decoder(), 0.0);
    }
}
