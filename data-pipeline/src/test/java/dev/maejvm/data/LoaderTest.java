package dev.maejvm.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.data.loader.BatchSplit;
import dev.maejvm.data.loader.DataLoader;
import dev.maejvm.data.source.IdxDataset;
import dev.maejvm.data.transform.Transforms;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX reading and the loader's guarantees. */
class LoaderTest {
    @TempDir
    Path dir;

    /** An IDX pair of n 4x4 images whose pixels all equal (index % 256) and labels index % 10. */
    Path idx(int n, boolean gzip) throws IOException {
        Path images = dir.resolve("toy-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        Path labels = dir.resolve("toy-labels-idx1-ubyte" + (gzip ? ".gz" : ""));
        try (DataOutputStream out = new DataOutputStream(open(images, gzip))) {
            out.writeInt(2051);
            out.writeInt(n);
            out.writeInt(4);
            out.writeInt(4);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 16; k++) {
                    out.writeByte(i % 256);
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(open(labels, gzip))) {
            out.writeInt(2049);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(i % 10);
            }
        }
        return images;
    }

    static OutputStream open(Path p, boolean gzip) throws IOException {
        OutputStream o = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(o) : o;
    }

    @Test
    void idxReadsPixelsAndLabelsGzippedOrNot() throws IOException {
        for (boolean gz : new boolean[] {true, false}) {
            IdxDataset ds = new IdxDataset(idx(30, gz));
            assertEquals(30, ds.size());
            assertEquals(10, ds.numClasses());
            Example e = ds.get(17);
            assertEquals(7, e.label());
            assertEquals(17 / 255f, e.image().get(0, 3, 3), 0f);
            assertTrue(e.source().endsWith("#17"), e.source());
        }
        Path bad = Files.write(dir.resolve("bad-images-idx3-ubyte"), new byte[] {0, 0, 8, 1, 0, 0});
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new IdxDataset(bad));
        assertTrue(ex.getMessage().startsWith(bad.toString()), ex.getMessage());
    }

    @Test
    void cifarBinaryRecordsDecodeToPlanesAndLabels() throws IOException {
        // two CIFAR-10 records in one batch file: label, then R, G, B planes of 32 x 32
        byte[] rec = new byte[2 * 3073];
        rec[0] = 3;
        rec[1] = (byte) 255;                   // red (0, 0) of image 0
        rec[1 + 1024 + 33] = (byte) 128;       // green (1, 1)
        rec[3073] = 9;
        rec[3073 + 1 + 2048 + 1023] = 51;      // blue (31, 31) of image 1
        Path folder = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
        Files.write(folder.resolve("data_batch_1.bin"), rec);
        Files.write(folder.resolve("test_batch.bin"), new byte[3073]);
        Dataset ds = dev.maejvm.data.source.Datasets.open(folder, false);
        assertEquals(2, ds.size(), "a folder means its training batches");
        assertEquals(10, ds.numClasses());
        assertEquals(3, ds.get(0).label());
        assertEquals(1f, ds.get(0).image().get(0, 0, 0), 0f);
        assertEquals(128 / 255f, ds.get(0).image().get(1, 1, 1), 0f);
        assertEquals(9, ds.get(1).label());
        assertEquals(51 / 255f, ds.get(1).image().get(2, 31, 31), 0f);
        Path odd = Files.write(dir.resolve("odd.bin"), new byte[100]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dev.maejvm.data.source.Datasets.open(odd, false));
        assertTrue(e.getMessage().startsWith(odd.toString()) && e.getMessage().contains("not CIFAR"), e.getMessage());
    }

    /** Every batch of an epoch as lists of sample indices (recovered from the pixel values). */
    static List<List<Integer>> epoch(DataLoader loader, int epoch) {
        List<List<Integer>> out = new ArrayList<>();
        for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
            Batch b = it.next();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < b.images().size(0); i++) {
                ids.add(Integer.parseInt(b.sources().get(i).substring(b.sources().get(i).lastIndexOf('#') + 1)));
            }
            out.add(ids);
        }
        return out;
    }

    @Test
    void sameSeedSameBatchesWhateverTheWorkersAndEverySampleOncePerEpoch() throws IOException {
        IdxDataset ds = new IdxDataset(idx(100, true));
        var flip = Transforms.horizontalFlip(0.5);
        try (DataLoader one = DataLoader.builder(ds).batchSize(8).seed(3).workers(1).prefetch(1).transform(flip).build();
             DataLoader three = DataLoader.builder(ds).batchSize(8).seed(3).workers(3).prefetch(5).transform(flip).build()) {
            List<List<Integer>> a = epoch(one, 0);
            assertEquals(a, epoch(three, 0));
            Set<Integer> seen = new HashSet<>();
            a.forEach(seen::addAll);
            assertEquals(100, seen.size(), "every sample once");
            assertEquals(100, a.stream().mapToInt(List::size).sum());
            assertFalse(a.equals(epoch(one, 1)), "another epoch, another order");
            // the augmented pixels agree too
            Batch x = one.epoch(2).next();
            Batch y = three.epoch(2).next();
            assertEquals(x.images(), y.images());
            assertArrayEquals(x.labels(), y.labels());
        }
    }

    @Test
    void dropLastAndShardsSplitTheSamePermutation() throws IOException {
        IdxDataset ds = new IdxDataset(idx(50, false));
        try (DataLoader all = DataLoader.builder(ds).batchSize(8).dropLast(true).seed(1).build();
             DataLoader r0 = DataLoader.builder(ds).batchSize(8).dropLast(true).seed(1).shard(0, 2).build();
             DataLoader r1 = DataLoader.builder(ds).batchSize(8).dropLast(true).seed(1).shard(1, 2).build()) {
            assertEquals(6, all.batchesPerEpoch());
            List<List<Integer>> a = epoch(all, 0);
            assertEquals(List.of(a.get(0), a.get(2), a.get(4)), epoch(r0, 0));
            assertEquals(List.of(a.get(1), a.get(3), a.get(5)), epoch(r1, 0));
        }
    }

    /** Data-parallel parts: over 3 processes a batch of 8 is 2 + 3 + 3 samples, which together are the whole batch, in order. */
    @Test
    void splitPartsMakeTheWholeBatchInOrder() throws IOException {
        IdxDataset ds = new IdxDataset(idx(50, false));
        List<List<List<Integer>>> parts = new ArrayList<>();
        try (DataLoader all = DataLoader.builder(ds).batchSize(8).dropLast(true).seed(1).build()) {
            for (int r = 0; r < 3; r++) {
                try (DataLoader part = DataLoader.builder(ds).batchSize(8).dropLast(true).seed(1)
                        .split(new BatchSplit(r, 3)).build()) {
                    assertEquals(all.batchesPerEpoch(), part.batchesPerEpoch());
                    parts.add(epoch(part, 1));
                }
            }
            List<List<Integer>> whole = epoch(all, 1);
            for (int b = 0; b < whole.size(); b++) {
                assertEquals(List.of(2, 3, 3), List.of(parts.get(0).get(b).size(), parts.get(1).get(b).size(),
                        parts.get(2).get(b).size()));
                List<Integer> joined = new ArrayList<>();
                for (List<List<Integer>> p : parts) {
                    joined.addAll(p.get(b));
                }
                assertEquals(whole.get(b), joined, "batch " + b);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(2).dropLast(true)
                .split(new BatchSplit(0, 3)).build(), "a batch smaller than the process count");
        assertThrows(IllegalArgumentException.class, () -> new BatchSplit(3, 3));
    }

    /** A dataset whose sample 5 is unreadable. */
    static Dataset withBadSample(Dataset inner) {
        return new Dataset() {
            public int size() { return inner.size(); }
            public Example get(int i) {
                if (i == 5) {
                    throw new BadImageException("/data/broken-5.png", "cannot decode (truncated)", null);
                }
                return inner.get(i);
            }
            public int numClasses() { return inner.numClasses(); }
            public List<String> classNames() { return inner.classNames(); }
            public String describe() { return "with a bad sample"; }
        };
    }

    @Test
    void aBadImageStopsNamingTheFileOrIsSkippedAndReported() throws IOException {
        Dataset ds = withBadSample(new IdxDataset(idx(20, false)));
        try (DataLoader fail = DataLoader.builder(ds).batchSize(4).shuffle(false).workers(2).build()) {
            Iterator<Batch> it = fail.epoch(0);
            it.next();
            BadImageException e = assertThrows(BadImageException.class, it::next);
            assertTrue(e.getMessage().startsWith("/data/broken-5.png") && e.getMessage().contains("--on-bad-image=skip"),
                    e.getMessage());
        }
        try (DataLoader skip = DataLoader.builder(ds).batchSize(4).shuffle(false).workers(2).onBadImage(OnBadImage.SKIP).build()) {
            List<List<Integer>> batches = epoch(skip, 0);
            assertEquals(List.of(4, 6, 7), batches.get(1));
            assertEquals(1, skip.skipped().size());
            assertTrue(skip.skipped().get(0).contains("broken-5.png"));
        }
    }

    @Test
    void atMostPrefetchBatchesAreDecodedAheadOfTheConsumer() throws Exception {
        IdxDataset inner = new IdxDataset(idx(200, false));
        java.util.concurrent.atomic.AtomicInteger loaded = new java.util.concurrent.atomic.AtomicInteger();
        Dataset counting = new Dataset() {
            public int size() { return inner.size(); }
            public Example get(int i) { loaded.incrementAndGet(); return inner.get(i); }
            public int numClasses() { return inner.numClasses(); }
            public List<String> classNames() { return inner.classNames(); }
            public String describe() { return "counting"; }
        };
        try (DataLoader loader = DataLoader.builder(counting).batchSize(4).workers(3).prefetch(2).build()) {
            var it = loader.epoch(0);
            it.next();
            Thread.sleep(300);                    // time for any runaway worker to read on
            // the batch handed over, plus at most `prefetch` in flight
            assertTrue(loaded.get() <= 3 * 4, "decoded " + loaded.get() + " samples ahead of a consumer that took one batch");
            it.close();
        }
    }

    @Test
    void aFailingTransformNamesTheFileAndCloseStopsEveryWorker() throws IOException {
        IdxDataset ds = new IdxDataset(idx(20, false));
        Transform broken = (img, rng) -> {
            if (img.get(0, 0, 0) == 13 / 255f) {
                throw new IllegalArgumentException("bad crop");
            }
            return img;
        };
        DataLoader loader = DataLoader.builder(ds).batchSize(5).shuffle(false).workers(2).transform(broken).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> epoch(loader, 0));
        assertTrue(e.getMessage().contains("toy-images-idx3-ubyte#13") && e.getMessage().contains("bad crop"), e.getMessage());
        loader.close();
        assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("mae-data-") && t.isAlive()).count(),
                "worker threads left after close");
        assertThrows(IllegalStateException.class, () -> loader.epoch(1));
    }

    @Test
    void shardsTogetherSeeEverySampleOnceAndSkippedBatchesVanish() throws IOException {
        IdxDataset ds = new IdxDataset(idx(37, false));
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int rank = 0; rank < 3; rank++) {
            try (DataLoader l = DataLoader.builder(ds).batchSize(5).seed(9).shard(rank, 3).build()) {
                for (List<Integer> b : epoch(l, 4)) {
                    seen.addAll(b);
                    total += b.size();
                }
            }
        }
        assertEquals(37, total);
        assertEquals(37, seen.size());
        Dataset allBad = new Dataset() {
            public int size() { return 8; }
            public Example get(int i) {
                if (i < 4) {
                    throw new BadImageException("/data/bad-" + i + ".png", "empty file", null);
                }
                return ds.get(i);
            }
            public int numClasses() { return 10; }
            public List<String> classNames() { return ds.classNames(); }
            public String describe() { return "half bad"; }
        };
        try (DataLoader l = DataLoader.builder(allBad).batchSize(4).shuffle(false).onBadImage(OnBadImage.SKIP).build()) {
            assertEquals(List.of(List.of(4, 5, 6, 7)), epoch(l, 0), "the all-bad first batch is not delivered");
            assertEquals(4, l.skipped().size());
        }
    }
}
