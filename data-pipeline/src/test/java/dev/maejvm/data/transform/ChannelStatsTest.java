package dev.maejvm.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Channel statistics are exact and measured once per dataset, then read from the cache. */
class ChannelStatsTest {
    @TempDir
    Path dir;

    /** Two 2-channel 1x2 images: channel 0 holds 0, 1, 0, 1 and channel 1 holds 0.5 everywhere. */
    static Dataset twoImages(AtomicInteger reads) {
        return new Dataset() {
            public int size() { return 2; }
            public Example get(int i) {
                reads.incrementAndGet();
                return new Example(new Image(2, 1, 2, new float[] {0, 1, 0.5f, 0.5f}), -1, "img" + i);
            }
            public int numClasses() { return 0; }
            public List<String> classNames() { return List.of(); }
            public String describe() { return "two images"; }
        };
    }

    @Test
    void meanAndPopulationStdPerChannelMeasuredOnceThenCached() {
        AtomicInteger reads = new AtomicInteger();
        ChannelStats s = ChannelStats.cached(twoImages(reads), dir);
        assertArrayEquals(new float[] {0.5f, 0.5f}, s.mean());
        assertArrayEquals(new float[] {0.5f, 0}, s.std());
        assertEquals(4, s.pixelsPerChannel());
        assertEquals(2, reads.get());
        ChannelStats again = ChannelStats.cached(twoImages(reads), dir);
        assertEquals(2, reads.get(), "the second call reads the cache, not the images");
        assertArrayEquals(s.mean(), again.mean());
        assertArrayEquals(s.std(), again.std());
    }
}
