package dev.maejvm.data.decode;

/**
 * What becomes of an alpha channel. The decoded image never has one: MAE works on 1 or 3 channels.
 * DROP keeps the stored colour under any transparency (ImageMagick's {@code rgb:} output does
 * this); OVER_WHITE / OVER_BLACK composite onto that background ({@code -background white
 * -alpha remove}; PIL's {@code Image.alpha_composite} onto an opaque background).
 */
public enum AlphaPolicy {
    DROP, OVER_WHITE, OVER_BLACK;

    /** The colour value {@code v} (in [0, 1]) seen through alpha {@code a} (in [0, 1]). */
    float apply(float v, float a) {
        return switch (this) {
            case DROP -> v;
            case OVER_WHITE -> v * a + (1 - a);
            case OVER_BLACK -> v * a;
        };
    }
}
