package dev.maejvm.finetune.det;

import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.finetune.det.fcos.Detection;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A PNG grid of test images with their true boxes (green) and the detector's (red, with class
 * and score), each panel scaled up. Pixels come back from the normalised input with the mean and
 * std, clipped to [0, 1]; the first channel is shown (gray) unless there are three (RGB).
 */
public final class DetectionPicture {
    private static final Color TRUTH = new Color(40, 200, 60);
    private static final Color PREDICTED = new Color(230, 40, 40);

    private DetectionPicture() {}

    /**
     * @param imgs [N, C, H, W] normalised inputs
     * @param truth each image's true boxes (class indices), in input pixels
     * @param predicted each image's detections, in input pixels
     * @param names class index to name
     * @param minScore detections below it are not drawn
     */
    public static BufferedImage render(INDArray imgs, List<List<BoundingBox>> truth, List<List<Detection>> predicted,
                                       List<String> names, float[] mean, float[] std, int scale, int columns, double minScore) {
        int n = (int) imgs.size(0);
        int c = (int) imgs.size(1);
        int h = (int) imgs.size(2);
        int w = (int) imgs.size(3);
        int gap = 4;
        int cols = Math.min(columns, n);
        int rows = (n + cols - 1) / cols;
        int pw = w * scale;
        int ph = h * scale;
        BufferedImage out = new BufferedImage(cols * (pw + gap) + gap, rows * (ph + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < n; i++) {
            int ox = gap + (i % cols) * (pw + gap);
            int oy = gap + (i / cols) * (ph + gap);
            for (int y = 0; y < ph; y++) {
                for (int x = 0; x < pw; x++) {
                    int rgb = 0;
                    for (int k = 0; k < 3; k++) {
                        int ch = c == 3 ? k : 0;
                        double v = imgs.getDouble(i, ch, y / scale, x / scale) * std[ch] + mean[ch];
                        rgb = (rgb << 8) | (int) Math.round(255 * Math.max(0, Math.min(1, v)));
                    }
                    out.setRGB(ox + x, oy + y, rgb);
                }
            }
            g.setStroke(new BasicStroke(1.5f));
            g.setColor(TRUTH);
            for (BoundingBox b : truth.get(i)) {
                g.drawRect(ox + (int) (b.x0() * scale), oy + (int) (b.y0() * scale), (int) (b.width() * scale), (int) (b.height() * scale));
            }
            g.setColor(PREDICTED);
            for (Detection d : predicted.get(i)) {
                if (d.score() < minScore) {
                    continue;
                }
                BoundingBox b = d.box();
                int bx = ox + (int) (b.x0() * scale);
                int by = oy + (int) (b.y0() * scale);
                g.drawRect(bx, by, (int) (b.width() * scale), (int) (b.height() * scale));
                g.drawString(String.format("%s %.2f", names.get(b.category()), d.score()), bx + 2, Math.max(oy + 10, by - 2));
            }
        }
        g.dispose();
        return out;
    }

    /** Writes the picture atomically (a temporary file moved into place). */
    public static void write(BufferedImage picture, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ImageIO.write(picture, "png", tmp.toFile());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
