package dev.maejvm.pretrain.recon;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A PNG grid for one image: original | masked | reconstruction | reconstruction with the visible
 * patches pasted back, each panel scaled up, captions under the panels. Pixels are mapped back
 * from the normalised input space with the dataset mean and std and clipped to [0, 1].
 */
public final class ReconstructionPicture {
    private static final String[] TITLES = {"original", "masked", "reconstruction", "recon. + visible"};
    private static final int CAPTION = 16;
    private static final Color MASKED_GRAY = new Color(128, 128, 128);

    private ReconstructionPicture() {}

    /**
     * @param r the reconstruction
     * @param index which image of the batch
     * @param mean per-channel mean the inputs were normalised with
     * @param std per-channel std
     * @param patchSize p
     * @param scale panel magnification (e.g. 4 for 28 x 28 images)
     */
    public static BufferedImage render(Reconstruction r, int index, float[] mean, float[] std, int patchSize, int scale) {
        INDArray img = r.imgs().get(org.nd4j.linalg.indexing.NDArrayIndex.point(index));      // [C, H, W]
        INDArray rec = r.pixels().get(org.nd4j.linalg.indexing.NDArrayIndex.point(index));
        int c = (int) img.size(0);
        int h = (int) img.size(1);
        int w = (int) img.size(2);
        int grid = w / patchSize;
        int pw = w * scale;
        int ph = h * scale;
        int gap = 4;
        int width = 4 * pw + 5 * gap;
        String note = r.denormalised() ? "norm-pix: prediction de-normalised with each original patch's mean/std" : null;
        int height = ph + 2 * gap + CAPTION + (note != null ? CAPTION : 0);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int panel = 0; panel < 4; panel++) {
            int x0 = gap + panel * (pw + gap);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean removed = r.mask().getDouble(index, (y / patchSize) * grid + x / patchSize) > 0.5;
                    INDArray src = switch (panel) {
                        case 0 -> img;
                        case 1 -> removed ? null : img;
                        case 2 -> rec;
                        default -> removed ? rec : img;
                    };
                    Color col = src == null ? MASKED_GRAY : color(src, y, x, c, mean, std);
                    g.setColor(col);
                    g.fillRect(x0 + x * scale, gap + y * scale, scale, scale);
                }
            }
        }
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(Color.BLACK);
        for (int panel = 0; panel < 4; panel++) {
            g.drawString(TITLES[panel], gap + panel * (pw + gap), gap + ph + CAPTION - 4);
        }
        if (note != null) {
            g.drawString(note, gap, gap + ph + 2 * CAPTION - 4);
        }
        g.dispose();
        return out;
    }

    public static void write(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) {
            throw new IOException("no PNG writer available");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static Color color(INDArray chw, int y, int x, int channels, float[] mean, float[] std) {
        float[] v = new float[3];
        for (int k = 0; k < 3; k++) {
            int ch = channels == 1 ? 0 : k;
            double raw = chw.getDouble(ch, y, x) * std[ch] + mean[ch];
            v[k] = (float) Math.max(0, Math.min(1, raw));
        }
        return new Color(v[0], v[1], v[2]);
    }
}
