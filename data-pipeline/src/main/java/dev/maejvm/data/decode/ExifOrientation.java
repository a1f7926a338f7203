package dev.maejvm.data.decode;

import dev.maejvm.data.Image;
import java.io.File;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.common.ImageMetadata;
import org.apache.commons.imaging.formats.jpeg.JpegImageMetadata;
import org.apache.commons.imaging.formats.tiff.TiffField;
import org.apache.commons.imaging.formats.tiff.TiffImageMetadata;
import org.apache.commons.imaging.formats.tiff.constants.TiffTagConstants;

/**
 * The EXIF orientation tag (1-8) of a JPEG or TIFF, read with Commons Imaging, and the rotation or
 * mirroring that shows the picture upright (as {@code convert -auto-orient} and PIL's
 * {@code ImageOps.exif_transpose} do).
 */
public final class ExifOrientation {
    private ExifOrientation() {}

    /** The orientation, 1 (upright) when there is none or it cannot be read. */
    public static int read(File file) {
        try {
            ImageMetadata meta = Imaging.getMetadata(file);
            TiffField f = null;
            if (meta instanceof JpegImageMetadata jpeg) {
                f = jpeg.findExifValueWithExactMatch(TiffTagConstants.TIFF_TAG_ORIENTATION);
            } else if (meta instanceof TiffImageMetadata tiff) {
                f = tiff.findField(TiffTagConstants.TIFF_TAG_ORIENTATION);
            }
            int v = f == null ? 1 : f.getIntValue();
            return v >= 1 && v <= 8 ? v : 1;
        } catch (Exception e) {
            return 1;    // metadata is optional: an image without readable EXIF is shown as stored
        }
    }

    /** The stored pixels turned upright for orientation {@code o}. */
    public static Image apply(Image img, int o) {
        if (o == 1) {
            return img;
        }
        int h = img.height();
        int w = img.width();
        boolean swap = o >= 5;
        int oh = swap ? w : h;
        int ow = swap ? h : w;
        float[] out = new float[img.pixels().length];
        for (int c = 0; c < img.channels(); c++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int sy;
                    int sx;
                    switch (o) {
                        case 2 -> { sy = y; sx = w - 1 - x; }              // mirrored horizontally
                        case 3 -> { sy = h - 1 - y; sx = w - 1 - x; }      // rotated 180
                        case 4 -> { sy = h - 1 - y; sx = x; }              // mirrored vertically
                        case 5 -> { sy = x; sx = y; }                      // transposed
                        case 6 -> { sy = h - 1 - x; sx = y; }              // stored rotated 90 CCW: turn CW
                        case 7 -> { sy = h - 1 - x; sx = w - 1 - y; }      // transversed
                        default -> { sy = x; sx = w - 1 - y; }             // 8: stored rotated 90 CW: turn CCW
                    }
                    out[(c * oh + y) * ow + x] = img.get(c, sy, sx);
                }
            }
        }
        return new Image(img.channels(), oh, ow, out);
    }
}
