package dev.maejvm.finetune.cls;

import dev.maejvm.data.transform.RandAugment;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * timm's RandAugment config string, {@code rand-m9-mstd0.5-inc1}: magnitude {@code m} (0..10),
 * its noise {@code mstd}, {@code n} ops (2 when absent), {@code inc1} the increasing op variants
 * (the only ones this project has, so {@code inc1} is required), {@code none} for no RandAugment.
 */
public final class RandAugmentSpec {
    public static final String MAE_FINETUNE = "rand-m9-mstd0.5-inc1";
    private static final Pattern PART = Pattern.compile("(m|mstd|n|inc)([0-9.]+)");

    private RandAugmentSpec() {}

    /** @return the transform, or empty for {@code none}; a malformed spec names the field and the format */
    public static Optional<RandAugment> parse(String spec) {
        if (spec == null || spec.equals("none")) {
            return Optional.empty();
        }
        String[] parts = spec.split("-");
        if (!parts[0].equals("rand")) {
            throw bad(spec, "it must start with 'rand-'");
        }
        double m = -1;
        double mstd = 0;
        int n = 2;
        boolean inc = false;
        for (int i = 1; i < parts.length; i++) {
            Matcher p = PART.matcher(parts[i]);
            if (!p.matches()) {
                throw bad(spec, "unknown part '" + parts[i] + "'");
            }
            try {
                switch (p.group(1)) {
                    case "m" -> m = Double.parseDouble(p.group(2));
                    case "mstd" -> mstd = Double.parseDouble(p.group(2));
                    case "n" -> n = Integer.parseInt(p.group(2));
                    default -> inc = p.group(2).equals("1");
                }
            } catch (NumberFormatException e) {
                throw bad(spec, "'" + parts[i] + "' is not a number");
            }
        }
        if (m < 0) {
            throw bad(spec, "the magnitude mN is missing");
        }
        if (!inc) {
            throw bad(spec, "only the increasing op variants are implemented: add -inc1");
        }
        try {
            return Optional.of(new RandAugment(n, m, mstd));
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("randAugment '" + spec + "': " + why
                + " (timm's format, e.g. " + MAE_FINETUNE + ", or none)");
    }
}
