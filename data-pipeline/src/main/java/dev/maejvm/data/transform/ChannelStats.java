package dev.maejvm.data.transform;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Image;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Per-channel mean and (population) standard deviation of a dataset's pixels in [0, 1], for
 * {@link Transforms#normalize(ChannelStats)}: measured in one pass, or read from a cache file
 * written by an earlier measurement of the same dataset, so it is computed once per dataset.
 */
public record ChannelStats(float[] mean, float[] std, long pixelsPerChannel) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ChannelStats {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need one value per channel, got " + mean.length + " and " + std.length);
        }
    }

    /** Measures the first {@code limit} images (all when limit <= 0); every image must have the same channel count. */
    public static ChannelStats compute(Dataset ds, int limit) {
        int n = limit > 0 ? Math.min(limit, ds.size()) : ds.size();
        double[] sum = null;
        double[] sq = null;
        long count = 0;
        for (int i = 0; i < n; i++) {
            Image img = ds.get(i).image();
            if (sum == null) {
                sum = new double[img.channels()];
                sq = new double[img.channels()];
            } else if (img.channels() != sum.length) {
                throw new IllegalArgumentException(ds.source(i) + ": has " + img.channels() + " channels, the first image "
                        + sum.length + " (convert with Transforms.toChannels first)");
            }
            int plane = img.height() * img.width();
            for (int c = 0; c < img.channels(); c++) {
                double s = 0;
                double q = 0;
                for (int k = c * plane; k < (c + 1) * plane; k++) {
                    double v = img.pixels()[k];
                    s += v;
                    q += v * v;
                }
                sum[c] += s;
                sq[c] += q;
            }
            count += plane;
        }
        if (sum == null) {
            throw new IllegalArgumentException(ds.describe() + ": no images to measure");
        }
        float[] mean = new float[sum.length];
        float[] std = new float[sum.length];
        for (int c = 0; c < sum.length; c++) {
            double m = sum[c] / count;
            mean[c] = (float) m;
            std[c] = (float) Math.sqrt(Math.max(sq[c] / count - m * m, 0));
        }
        return new ChannelStats(mean, std, count);
    }

    /**
     * The statistics of the whole dataset from {@code cacheDir} when measured before, else
     * measured now and written there. The cache key is a hash of the dataset's description, size
     * and first and last sources, so another dataset (or a changed one) is measured afresh.
     */
    public static ChannelStats cached(Dataset ds, Path cacheDir) {
        Path file = cacheDir.resolve("channel-stats-" + key(ds) + ".json");
        if (Files.isRegularFile(file)) {
            try {
                return JSON.readValue(file.toFile(), ChannelStats.class);
            } catch (IOException e) {
                // an unreadable cache is measured again and rewritten
            }
        }
        ChannelStats s = compute(ds, 0);
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, "channel-stats", ".tmp");
            JSON.writeValue(tmp.toFile(), s);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the channel statistics cache", e);
        }
        return s;
    }

    static String key(Dataset ds) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            String id = ds.describe() + "|" + ds.size() + "|" + ds.source(0) + "|" + ds.source(ds.size() - 1);
            return HexFormat.of().formatHex(md.digest(id.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
