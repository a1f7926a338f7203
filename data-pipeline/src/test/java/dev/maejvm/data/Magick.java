package dev.maejvm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ImageMagick (Debian's, installed by .ci/setup) as the tests' file maker and independent
 * reference decoder. {@code /usr/bin/convert} explicitly: another {@code convert} may come first
 * on PATH.
 */
public final class Magick {
    public static final Path CONVERT = Path.of("/usr/bin/convert");

    private Magick() {}

    public static boolean installed() {
        return Files.isExecutable(CONVERT);
    }

    /** Runs convert with these arguments; fails the test with its output when it fails. */
    public static void convert(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(CONVERT.toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "convert " + String.join(" ", args) + ": " + out);
    }

    public static void convert(String... args) throws IOException, InterruptedException {
        convert(List.of(args));
    }

    /** A 37x23 test picture with gradients and edges, so that neighbouring pixels differ, plus {@code extra} options. */
    public static Path picture(Path file, List<String> extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-size", "37x23", "gradient:red-blue", "(", "-size", "37x23",
                "radial-gradient:white-black", ")", "-compose", "multiply", "-composite"));
        args.addAll(extra);
        args.add(file.toString());
        convert(args);
        return file;
    }

    /**
     * ImageMagick's decoding of {@code input} (a file, or e.g. {@code file[0]}) with {@code ops}
     * applied, as 8-bit samples, channels interleaved ({@code rgb:} or {@code gray:}).
     */
    public static byte[] decode(String input, boolean gray, List<String> ops, Path scratch) throws IOException, InterruptedException {
        Path raw = Files.createTempFile(scratch, "ref", ".raw");
        List<String> args = new ArrayList<>();
        args.add(input);
        args.addAll(ops);
        args.addAll(List.of("-depth", "8", (gray ? "gray:" : "rgb:") + raw));
        convert(args);
        return Files.readAllBytes(raw);
    }
}
