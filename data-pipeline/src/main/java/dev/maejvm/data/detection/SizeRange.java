package dev.maejvm.data.detection;

/**
 * COCO's object size ranges, by a box's area in square pixels (COCO's evaluation reads the
 * annotation's {@code area}; the scenes generator writes w * h there): small below 32², medium
 * from 32² below 96², large from 96².
 */
public enum SizeRange {
    SMALL,
    MEDIUM,
    LARGE;

    /** Areas below this (px²) are small. */
    public static final double SMALL_BELOW = 32 * 32;
    /** Areas below this (px²) and at least {@link #SMALL_BELOW} are medium; from here, large. */
    public static final double MEDIUM_BELOW = 96 * 96;

    /** The range of an area in px². */
    public static SizeRange of(double area) {
        return area < SMALL_BELOW ? SMALL : area < MEDIUM_BELOW ? MEDIUM : LARGE;
    }

    /** The range of a box, by its area (width * height, px²). */
    public static SizeRange of(BoundingBox box) {
        return of(box.area());
    }

    /** COCO's name: small, medium, large. */
    public String cocoName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
