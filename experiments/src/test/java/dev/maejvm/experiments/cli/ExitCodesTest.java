package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.BadImageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The exit statuses README promises: 0 done, 1 the job failed, 2 bad usage or configuration, 3 unreadable data. */
class ExitCodesTest {
    @TempDir
    Path dir;

    record Run(int exit, String err) {}

    /** `mae ARGS` with stderr captured through picocli's writer. */
    static Run mae(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = MaeCommand.newCommandLine();
        cl.setErr(new PrintWriter(sw));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute(args);
        return new Run(code, sw.toString());
    }

    @Test
    void unknownOptionOfTheTopCommandIsAUsageError() {
        Run r = mae("--bogus", "1");
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("Unknown options: '--bogus'"), r.err());
        assertTrue(r.err().contains("Usage: mae"), "the usage follows the error: " + r.err());
    }

    @Test
    void unknownOptionOfASubcommandIsAUsageError() {
        Run r = mae("pretrain", "--bogus", "1");
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("Unknown options: '--bogus'"), r.err());
        assertTrue(r.err().contains("Usage: mae pretrain"), r.err());
    }

    @Test
    void malformedValueIsAUsageErrorNamingTheOption() {
        Run r = mae("pretrain", "--epochs", "abc");
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("--epochs") && r.err().contains("'abc'"), r.err());
    }

    @Test
    void missingValueIsAUsageError() {
        Run r = mae("pretrain", "--epochs");
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("--epochs"), r.err());
    }

    @Test
    void configValidationErrorIsAUsageErrorBeforeAnyTraining() throws IOException {
        Path out = dir.resolve("run");
        Run r = mae("pretrain", "--mask-ratio", "1.5", "--out", out.toString());
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("maskRatio must be in [0, 1)"), r.err());
        assertFalse(r.err().contains("MAE_DEBUG"), "no stack trace hint for a usage error: " + r.err());
        assertFalse(Files.exists(out), "refused before the output folder was made: " + r.err());
    }

    @Test
    void internalErrorsAreFailures() {
        assertEquals(ExitCodes.FAILED, ExitCodes.of(new IllegalStateException("journal locked")));
        assertEquals(ExitCodes.FAILED, ExitCodes.of(new NullPointerException()));
        assertEquals(ExitCodes.FAILED, ExitCodes.of(new ArithmeticException("/ by zero")));
        assertEquals(ExitCodes.FAILED, ExitCodes.of(new IOException("disk full")));
        assertEquals(ExitCodes.FAILED, ExitCodes.of(new OutOfMemoryError()));
        IllegalArgumentException nd4j = new IllegalArgumentException("shapes do not match");
        nd4j.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("org.nd4j.common.base.Preconditions", "throwEx", "Preconditions.java", 1)});
        assertEquals(ExitCodes.FAILED, ExitCodes.of(nd4j), "an ND4J precondition is a bug, not a bad option");
    }

    @Test
    void usageAndDataErrors() {
        assertEquals(ExitCodes.USAGE, ExitCodes.of(new IllegalArgumentException("--workers must be >= 1")));
        assertEquals(ExitCodes.USAGE, ExitCodes.of(new CommandLine.ParameterException(MaeCommand.newCommandLine(), "bad")));
        BadImageException bad = new BadImageException("a.png", "truncated", null);
        assertEquals(ExitCodes.BAD_DATA, ExitCodes.of(bad));
        assertEquals(ExitCodes.BAD_DATA, ExitCodes.of(new IllegalStateException("a.png: cannot load", bad)), "wrapped");
    }

    @Test
    void unusableCocoAnnotationsAreBadDataNamingTheAnnotation() throws IOException {
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png",
                dir.resolve("a.png").toFile());
        Path ann = Files.writeString(dir.resolve("instances_x.json"), """
                {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 8}],
                 "annotations": [{"id": 5, "image_id": 1, "category_id": 2, "bbox": [1, 1, 3, 3]}],
                 "categories": [{"id": 1, "name": "one"}]}
                """);
        Run r = mae("data", "stats", "--source", ann.toString());
        assertEquals(ExitCodes.BAD_DATA, r.exit(), r.err());
        assertTrue(r.err().contains("error: " + ann + ": annotation 5 (image 1, a.png): category_id 2 is not among the categories [1]"),
                r.err());
    }

    @Test
    void internalErrorNamesTheExceptionWhereItWasThrownAndTheDebugSwitch() {
        StringWriter sw = new StringWriter();
        NullPointerException npe = new NullPointerException("Cannot invoke \"Object.toString()\" because \"x\" is null");
        MaeCommand.report(new RuntimeException("step 12", npe), "mae pretrain", new PrintWriter(sw), false);
        String err = sw.toString();
        assertTrue(err.startsWith("mae pretrain: internal error: java.lang.RuntimeException: step 12 (at "), err);
        assertTrue(err.contains("caused by: java.lang.NullPointerException: Cannot invoke"), err);
        assertTrue(err.contains("MAE_DEBUG=1"), err);
        assertFalse(err.contains("\tat "), "no stack trace without MAE_DEBUG: " + err);

        sw = new StringWriter();
        MaeCommand.report(npe, "mae pretrain", new PrintWriter(sw), true);
        assertTrue(sw.toString().contains("\tat "), "MAE_DEBUG prints the stack trace: " + sw);

        sw = new StringWriter();
        MaeCommand.report(new IllegalStateException("runs/x/run.jsonl is being delivered by another process"), "mae runs sync",
                new PrintWriter(sw), false);
        assertTrue(sw.toString().startsWith("mae runs sync: error: runs/x/run.jsonl is being delivered"), sw.toString());
        assertTrue(sw.toString().contains("MAE_DEBUG=1"), sw.toString());
    }
}
