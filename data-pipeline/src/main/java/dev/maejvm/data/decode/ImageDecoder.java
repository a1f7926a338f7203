package dev.maejvm.data.decode;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.commons.imaging.Imaging;

/**
 * Decodes image files to pixels, choosing per format the decoder that gives the same pixels as
 * other decoders (FACTS.md): JPEG, PNG and TIFF with the JDK's ImageIO (Commons Imaging refuses
 * progressive JPEG, applies PNG gAMA chunks, darkening them, and mis-decodes 16-bit LZW TIFF),
 * everything else (BMP, GIF first frame, PNM, ...) with Apache Commons Imaging, falling back to
 * ImageIO. Dimensions are read
 * from the header first: more than {@code maxPixels} is refused before any pixel is allocated.
 * Alpha is dropped (the colour channels are kept as stored); gray stays one channel. JPEG and TIFF
 * are turned upright by their EXIF orientation.
 */
public final class ImageDecoder {
    /** PIL's default decompression-bomb limit. */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    /** Where the JDK's decoders are right and Commons Imaging is not (FACTS.md, and DecodeTest). */
    private static final java.util.Set<String> IMAGEIO_FIRST = java.util.Set.of("jpg", "jpeg", "png", "tif", "tiff");

    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public Image decode(Path file) {
        String src = file.toString();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BadImageException(src, "cannot read (" + e.getMessage() + ")", e);
        }
        if (size == 0) {
            throw new BadImageException(src, "empty file", null);
        }
        String ext = extension(file);
        BufferedImage img;
        try {
            checkDimensions(file, src);
            if (IMAGEIO_FIRST.contains(ext)) {
                // no fallback to Commons Imaging when ImageIO throws: for these formats it would
                // give wrong pixels where the JDK gives up (16-bit predictor TIFF, CMYK JPEG)
                img = ImageIO.read(file.toFile());
            } else {
                try {
                    img = Imaging.getBufferedImage(file.toFile());
                    var colorType = Imaging.getImageInfo(file.toFile()).getColorType();
                    if (colorType == org.apache.commons.imaging.ImageInfo.ColorType.GRAYSCALE
                            || colorType == org.apache.commons.imaging.ImageInfo.ColorType.BW) {
                        img = toGray(img);      // Commons Imaging returns gray formats (PGM, PBM) as RGB
                    }
                } catch (IOException | RuntimeException e) {
                    img = ImageIO.read(file.toFile());
                    if (img == null) {
                        throw e;
                    }
                }
            }
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(src, "cannot decode (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new BadImageException(src, "unsupported or unrecognised image format", null);
        }
        Image pixels = toImage(img);
        boolean exif = ext.equals("jpg") || ext.equals("jpeg") || ext.equals("tif") || ext.equals("tiff");
        return exif ? ExifOrientation.apply(pixels, ExifOrientation.read(file.toFile())) : pixels;
    }

    private void checkDimensions(Path file, String src) throws IOException {
        long w = -1;
        long h = -1;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers != null && readers.hasNext()) {
                ImageReader r = readers.next();
                try {
                    r.setInput(in, true, true);
                    w = r.getWidth(0);
                    h = r.getHeight(0);
                } finally {
                    r.dispose();
                }
            }
        } catch (IOException e) {
            w = -1;
        }
        if (w < 0) {
            try {
                java.awt.Dimension d = Imaging.getImageSize(file.toFile());
                w = d.width;
                h = d.height;
            } catch (IOException | RuntimeException e) {
                throw new BadImageException(src, "unsupported, corrupt or truncated image (" + e.getMessage() + ")", e);
            }
        }
        if (w <= 0 || h <= 0) {
            throw new BadImageException(src, "image has no pixels (" + w + "x" + h + ")", null);
        }
        if (w * h > maxPixels) {
            throw new BadImageException(src, "image of " + w + "x" + h + " = " + (w * h)
                    + " pixels exceeds the limit of " + maxPixels + " (a decompression bomb?)", null);
        }
    }

    private static BufferedImage toGray(BufferedImage rgb) {
        BufferedImage g = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        var raster = g.getRaster();
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                raster.setSample(x, y, 0, rgb.getRGB(x, y) & 0xff);     // r == g == b for a gray source
            }
        }
        return g;
    }

    /** Gray images stay one channel; colour images become RGB; alpha is dropped. */
    static Image toImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean gray = img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && img.getColorModel().getNumColorComponents() == 1;
        if (gray) {
            float[] px = new float[w * h];
            var raster = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            float max = (1 << bits) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = raster.getSample(x, y, 0) / max;
                }
            }
            return new Image(1, h, w, px);
        }
        float[] px = new float[3 * w * h];
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int i = y * w + x;
                px[i] = ((rgb >> 16) & 0xff) / 255f;
                px[plane + i] = ((rgb >> 8) & 0xff) / 255f;
                px[2 * plane + i] = (rgb & 0xff) / 255f;
            }
        }
        return new Image(3, h, w, px);
    }

    static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
