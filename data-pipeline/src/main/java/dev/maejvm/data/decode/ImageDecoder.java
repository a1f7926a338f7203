package dev.maejvm.data.decode;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import org.apache.commons.imaging.ImageInfo;
import org.apache.commons.imaging.Imaging;

/**
 * Decodes an image file to pixels that agree with other decoders (ImageMagick, libpng, PIL):
 * the format is recognised from the file's first bytes, then each goes to the decoder that is
 * right for it (docs/DATA.md lists where Commons Imaging is wrong; DecodeTest checks every case):
 * <ul>
 *   <li>BMP, GIF (first frame), PBM: Apache Commons Imaging, falling back to the JDK's ImageIO;
 *   <li>JPEG (baseline, progressive, gray, CMYK): ImageIO. Commons Imaging refuses progressive
 *       JPEG and gets CMYK colours wrong; CMYK becomes RGB by the naive formula (see Pixels);
 *       a truncated JPEG is an error, not a gray-filled picture;
 *   <li>PNG: ImageIO, which leaves a gAMA chunk unapplied as libpng and PIL do (Commons
 *       Imaging applies it and the picture comes out darker);
 *   <li>TIFF: ImageIO; 16-bit with the horizontal predictor is corrected (TiffPredictor);
 *   <li>PGM/PPM: read here (PnmReader), since Commons Imaging gets 16-bit ones wrong;
 *   <li>WebP and anything unrecognised: a {@link BadImageException} that says so.
 * </ul>
 * Dimensions come from the header first: more than {@link DecodeOptions#maxPixels()} is refused
 * before any pixel is allocated. Gray stays one channel, colour is three, alpha is handled by
 * {@link DecodeOptions#alpha()} (dropped by default). JPEG and TIFF are turned upright by their
 * EXIF orientation. Thread-safe: it holds no mutable state.
 */
public final class ImageDecoder {
    /** PIL's default decompression-bomb limit. */
    public static final long DEFAULT_MAX_PIXELS = DecodeOptions.DEFAULT_MAX_PIXELS;

    private final DecodeOptions options;

    public ImageDecoder(DecodeOptions options) {
        this.options = options;
    }

    public ImageDecoder(long maxPixels) {
        this(DecodeOptions.defaults().withMaxPixels(maxPixels));
    }

    public ImageDecoder() {
        this(DecodeOptions.defaults());
    }

    public DecodeOptions options() {
        return options;
    }

    /** @throws BadImageException naming the file when it cannot be read as an image */
    public Image decode(Path file) {
        String src = file.toString();
        byte[] head = new byte[ImageFormat.HEAD];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new BadImageException(src, "cannot read (" + e + ")", e);
        }
        if (n == 0) {
            throw new BadImageException(src, "empty file", null);
        }
        ImageFormat format = ImageFormat.sniff(head, n);
        Image img;
        try {
            img = switch (format) {
                case PNM -> PnmReader.handles(head[1]) ? PnmReader.read(file, options.maxPixels()) : commonsImaging(file);
                case BMP, GIF -> commonsImaging(file);
                case JPEG, PNG, TIFF -> imageIo(file, format);
                case WEBP -> throw new BadImageException(src, "WebP is not supported (neither Commons Imaging nor the JDK "
                        + "decodes it); convert it to PNG first", null);
                case UNKNOWN -> throw new BadImageException(src, "unsupported or unrecognised image format (first bytes "
                        + hex(head, n) + ")", null);
            };
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(src, "cannot decode " + format + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
        return format.hasExifOrientation() ? ExifOrientation.apply(img, ExifOrientation.read(file.toFile())) : img;
    }

    private Image imageIo(Path file, ImageFormat format) throws IOException {
        String src = file.toString();
        TiffPredictor.Patched tiff = format == ImageFormat.TIFF ? TiffPredictor.patch(Files.readAllBytes(file)) : null;
        try (ImageInputStream in = tiff != null
                ? ImageIO.createImageInputStream(new ByteArrayInputStream(tiff.bytes()))
                : ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException(src, "no decoder for this " + format + " file", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkPixelLimit(src, reader.getWidth(0), reader.getHeight(0), options.maxPixels());
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((IIOReadWarningListener) (r, w) -> warnings.add(w));
                BufferedImage img = reader.read(0);
                for (String w : warnings) {
                    String lower = w.toLowerCase(java.util.Locale.ROOT);
                    if (lower.contains("premature end") || lower.contains("truncated")) {
                        throw new BadImageException(src, "truncated " + format + " (" + w + ")", null);
                    }
                }
                if (tiff != null) {
                    TiffPredictor.integrate(img.getRaster(), tiff.rowLength());
                }
                return Pixels.of(img, options.alpha());
            } finally {
                reader.dispose();
            }
        }
    }

    private Image commonsImaging(Path file) throws IOException {
        String src = file.toString();
        java.awt.Dimension d;
        try {
            d = Imaging.getImageSize(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(src, "unsupported, corrupt or truncated image (" + e.getMessage() + ")", e);
        }
        checkPixelLimit(src, d.width, d.height, options.maxPixels());
        try {
            BufferedImage img = Imaging.getBufferedImage(file.toFile());
            ImageInfo.ColorType type = Imaging.getImageInfo(file.toFile()).getColorType();
            Image px = Pixels.of(img, options.alpha());
            boolean gray = type == ImageInfo.ColorType.GRAYSCALE || type == ImageInfo.ColorType.BW;
            // Commons Imaging returns gray formats as RGB with r == g == b
            return gray ? new Image(1, px.height(), px.width(), java.util.Arrays.copyOf(px.pixels(), px.height() * px.width())) : px;
        } catch (IOException | RuntimeException e) {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw e;
            }
            return Pixels.of(img, options.alpha());
        }
    }

    /** Refuses absurd dimensions before anything is allocated. */
    static void checkPixelLimit(String src, long w, long h, long maxPixels) {
        if (w <= 0 || h <= 0) {
            throw new BadImageException(src, "image has no pixels (" + w + "x" + h + ")", null);
        }
        if (w * h > maxPixels) {
            throw new BadImageException(src, "image of " + w + "x" + h + " = " + (w * h)
                    + " pixels exceeds the limit of " + maxPixels + " (a decompression bomb?)", null);
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
