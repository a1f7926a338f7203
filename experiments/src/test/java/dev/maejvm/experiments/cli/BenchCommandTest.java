package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** `mae bench finetune`: the preset as a positional argument, the rounds it alternates, its usage errors; `mae bench model`'s w/ [M] step. */
class BenchCommandTest {

    @Test
    void theFinetuneBenchRunsEveryRoundOfAPresetByName() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ExitCodesTest.Run r;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            r = ExitCodesTest.mae("bench", "finetune", "micro", "--no-torch", "--batch-size", "2", "--steps", "1",
                    "--warmup", "0", "--rewarm", "0", "--rounds", "2");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCodes.OK, r.exit(), r.err() + out);
        assertTrue(out.contains("micro encoder (16x16x1, patch 4, 32-d x 2 blocks x 2 heads)"), out);
        assertTrue(out.contains("round 1 mae-jvm") && out.contains("round 2 mae-jvm"), out);
        assertTrue(out.contains("mae-jvm: ") && out.contains("over 2 rounds"), out);
    }

    @Test
    void theModelBenchTimesTheEncoderWithMaskTokensBesideTheVisibleOnlyOne() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ExitCodesTest.Run r;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            r = ExitCodesTest.mae("bench", "model", "--preset", "micro", "--no-torch", "--batch-size", "2", "--steps", "1",
                    "--warmup", "0");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCodes.OK, r.exit(), r.err() + out);
        assertTrue(out.contains("mask  75 %") && out.contains("mask   0 %"), out);
        assertTrue(out.contains("encoder w/ [M]  75 % masking") && out.contains("faster than w/ [M] (FLOP ratio"), out);
    }

    @Test
    void anUnknownPresetOrNoRoundsIsAUsageError() {
        ExitCodesTest.Run unknown = ExitCodesTest.mae("bench", "finetune", "vit-zz", "--no-torch");
        assertEquals(ExitCodes.USAGE, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("unknown preset 'vit-zz'"), unknown.err());
        ExitCodesTest.Run none = ExitCodesTest.mae("bench", "finetune", "--rounds", "0", "--no-torch");
        assertEquals(ExitCodes.USAGE, none.exit(), none.err());
    }

    /** Without mpirun the allreduce bench times the step alone and says why there is no allreduce. */
    @Test
    void theAllreduceBenchInOneProcessTimesTheStepAlone() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ExitCodesTest.Run r;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            r = ExitCodesTest.mae("bench", "allreduce", "--step-preset", "micro", "--batch-size", "4", "--steps", "1");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCodes.OK, r.exit(), r.err() + out);
        assertTrue(out.contains("one process: no allreduce to time"), out);
        assertTrue(out.contains("step micro, global batch 4 over 1 rank"), out);
        ExitCodesTest.Run bad = ExitCodesTest.mae("bench", "allreduce", "--rounds", "0");
        assertEquals(ExitCodes.USAGE, bad.exit(), bad.err());
    }
}
