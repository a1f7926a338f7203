package dev.maejvm.data.loader;

import dev.maejvm.data.BadImageException;
import dev.maejvm.data.Batch;
import dev.maejvm.data.Dataset;
import dev.maejvm.data.Example;
import dev.maejvm.data.Image;
import dev.maejvm.data.OnBadImage;
import dev.maejvm.data.Transform;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.DetectionDataset;
import dev.maejvm.data.detection.DetectionExample;
import dev.maejvm.data.detection.DetectionTransform;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decodes and augments batches on worker threads ahead of the model. At most {@code prefetch}
 * batches are in flight (bounded memory). The order of an epoch is a permutation from
 * (seed, epoch), and each sample's random transform draws from (seed, epoch, sample index), so
 * the same seed gives the same batches whatever the number of workers. With {@code shard(rank,
 * worldSize)} each process takes every worldSize-th batch of the same permutation; with {@code
 * split(BatchSplit)} (synchronous data-parallel training) every process reads every batch, but
 * only its part of the samples ({@link BatchSplit}), so that the parts of all processes make the
 * batch a single process would read. A worker's
 * error reaches the consumer with the file named (a BadImageException as it is, any other
 * failure of decoding or transforming wrapped in an IllegalStateException that names the
 * source); under SKIP a bad image is left out of its batch (which is then smaller; a batch left
 * empty is not delivered) and listed in {@link #skipped()}.
 */
public final class DataLoader implements AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final int prefetch;
    private final Transform transform;
    private final DetectionTransform detectionTransform;   // non-null: a detection set's images with their boxes
    private final OnBadImage onBadImage;
    private final int rank;
    private final int worldSize;
    private final BatchSplit split;
    private final ExecutorService workers;
    /** The pool's threads: its termination comes just before they end, so close() also waits for them. */
    private final List<Thread> workerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> skipped = Collections.synchronizedList(new ArrayList<>());

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.prefetch = b.prefetch;
        this.transform = b.transform;
        this.detectionTransform = b.detectionTransform;
        this.onBadImage = b.onBadImage;
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        this.split = b.split;
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.workers = Executors.newFixedThreadPool(b.workers, r -> {
            Thread t = new Thread(r, "mae-data-" + n.getAndIncrement());
            t.setDaemon(true);
            workerThreads.add(t);
            return t;
        });
    }

    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Batches of one epoch for this shard. */
    public int batchesPerEpoch() {
        int all = dropLast ? dataset.size() / batchSize : (dataset.size() + batchSize - 1) / batchSize;
        return all / worldSize + (all % worldSize > rank ? 1 : 0);
    }

    /** Files skipped so far under SKIP, each with its reason. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    public Dataset dataset() {
        return dataset;
    }

    /**
     * The epoch's batches from batch {@code fromBatch} on (to resume mid-epoch without decoding the
     * rest). Closing the iterator early cancels the batches in flight.
     */
    public BatchIterator epoch(int epoch, int fromBatch) {
        if (workers.isShutdown()) {
            throw new IllegalStateException("this DataLoader is closed");
        }
        return new BatchIterator(epoch, fromBatch);
    }

    /** The batches of one epoch, at most {@code prefetch} of them decoded ahead of the consumer. */
    public final class BatchIterator implements Iterator<Batch>, AutoCloseable {
        private final Deque<Future<Batch>> inFlight = new ArrayDeque<>();
        private final int[] order;
        private final int epoch;
        private final int total;
        private int next;
        private Batch ready;

        private BatchIterator(int epoch, int fromBatch) {
            this.order = permutation(epoch);
            this.epoch = epoch;
            this.total = batchesPerEpoch();
            this.next = fromBatch;
        }

        private void fill() {
            while (inFlight.size() < prefetch && next < total) {
                int local = next++;
                int global = local * worldSize + rank;
                inFlight.add(workers.submit(() -> load(order, epoch, global, local)));
            }
        }

        @Override
        public boolean hasNext() {
            while (ready == null) {
                fill();
                if (inFlight.isEmpty()) {
                    return false;
                }
                ready = take(inFlight.poll());      // null: a batch whose every image was skipped
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Batch b = ready;
            ready = null;
            return b;
        }

        private Batch take(Future<Batch> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for data", e);
            } catch (java.util.concurrent.CancellationException e) {
                throw new IllegalStateException("the loader was closed while this epoch was read", e);
            } catch (ExecutionException e) {
                close();
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("data loading failed: " + e.getCause(), e.getCause());
            }
        }

        /** Cancels the batches in flight; the iterator then ends. */
        @Override
        public void close() {
            inFlight.forEach(f -> f.cancel(true));
            inFlight.clear();
            next = total;
        }
    }

    public BatchIterator epoch(int epoch) {
        return epoch(epoch, 0);
    }

    int[] permutation(int epoch) {
        int n = dataset.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch, -1));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /**
     * Batch {@code localBatch}: samples [globalBatch * B, + B) of the order (this process's part
     * of them under a split); null when SKIP left it empty.
     */
    private Batch load(int[] order, int epoch, int globalBatch, int localBatch) {
        int whole = globalBatch * batchSize;
        int n = Math.min(order.length, whole + batchSize) - whole;
        int start = whole + split.from(n);
        int end = whole + split.to(n);
        List<Image> imgs = new ArrayList<>(end - start);
        List<Integer> labels = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<List<BoundingBox>> boxes = new ArrayList<>();
        for (int k = start; k < end; k++) {
            int idx = order[k];
            Example ex;
            DetectionExample det = null;
            try {
                if (detectionTransform != null) {
                    det = ((DetectionDataset) dataset).detection(idx);
                    ex = new Example(det.image(), -1, det.source());
                } else {
                    ex = dataset.get(idx);
                }
            } catch (BadImageException e) {
                if (onBadImage == OnBadImage.FAIL) {
                    throw new BadImageException(e.source(), e.getMessage().substring(e.source().length() + 2)
                            + " (use --on-bad-image=skip to skip unreadable images)", e);
                }
                skipped.add(e.getMessage());
                continue;
            } catch (RuntimeException e) {
                throw new IllegalStateException(dataset.source(idx) + ": cannot load (" + e + ")", e);
            }
            try {
                SplittableRandom rng = new SplittableRandom(mix(seed, epoch, idx));
                if (det != null) {
                    DetectionExample out = detectionTransform.apply(det, rng);
                    imgs.add(out.image());
                    boxes.add(out.boxes());
                } else {
                    imgs.add(transform.apply(ex.image(), rng));
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException(ex.source() + ": transform failed (" + e.getMessage() + ")", e);
            }
            labels.add(ex.label());
            sources.add(ex.source());
        }
        if (imgs.isEmpty()) {
            if (split.worldSize() > 1) {             // the other processes would wait for this one's batch
                throw new IllegalStateException("every image of process " + split.rank() + "'s part of batch " + globalBatch
                        + " (epoch " + epoch + ") was unreadable and skipped; in data-parallel training each process needs"
                        + " at least one image per batch");
            }
            return null;
        }
        Image first = imgs.get(0);
        int per = first.pixels().length;
        float[] flat = new float[per * imgs.size()];
        for (int i = 0; i < imgs.size(); i++) {
            Image im = imgs.get(i);
            if (im.pixels().length != per || im.channels() != first.channels()) {
                throw new IllegalStateException(sources.get(i) + ": after transforms the image is " + im.channels() + "x"
                        + im.height() + "x" + im.width() + ", unlike the batch's " + first.channels() + "x" + first.height()
                        + "x" + first.width() + " (add a resize or crop)");
            }
            System.arraycopy(im.pixels(), 0, flat, i * per, per);
        }
        var arr = Nd4j.create(flat, new long[] {imgs.size(), first.channels(), first.height(), first.width()}, DataType.FLOAT);
        return new Batch(arr, labels.stream().mapToInt(Integer::intValue).toArray(), sources, epoch, localBatch, boxes);
    }

    /** A well-mixed seed for (seed, epoch, index) (SplitMix64's finaliser). */
    static long mix(long seed, long epoch, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Stops the workers: work in flight is interrupted and the threads are gone when this returns (up to 10 s). */
    @Override
    public void close() {
        workers.shutdownNow();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        try {
            workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            for (Thread t : workerThreads) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (workerThreads.stream().anyMatch(Thread::isAlive)) {
            throw new IllegalStateException("data loader threads did not stop within 10 s");
        }
    }

    /** Options of a loader; defaults: batch 64, shuffle, keep the last partial batch, 2 workers, 4 in flight. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 64;
        private boolean shuffle = true;
        private boolean dropLast = false;
        private long seed = 0;
        private int workers = 2;
        private int prefetch = 4;
        private Transform transform = (img, rng) -> img;
        private DetectionTransform detectionTransform;
        private OnBadImage onBadImage = OnBadImage.FAIL;
        private int rank = 0;
        private int worldSize = 1;
        private BatchSplit split = BatchSplit.WHOLE;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder shuffle(boolean v) {
            shuffle = v;
            return this;
        }

        public Builder dropLast(boolean v) {
            dropLast = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder workers(int v) {
            workers = v;
            return this;
        }

        public Builder prefetch(int v) {
            prefetch = v;
            return this;
        }

        public Builder transform(Transform v) {
            transform = v;
            return this;
        }

        /**
         * Loads a detection set's images with their boxes ({@link Batch#boxes}), each example
         * through this transform (which must end at one size for the whole batch); replaces
         * {@link #transform}.
         */
        public Builder detection(DetectionTransform v) {
            if (!(dataset instanceof DetectionDataset)) {
                throw new IllegalArgumentException("a detection loader needs a detection dataset (COCO), got " + dataset.getClass().getSimpleName());
            }
            detectionTransform = v;
            return this;
        }

        public Builder onBadImage(OnBadImage v) {
            onBadImage = v;
            return this;
        }

        /** This process takes batches rank, rank + worldSize, ... of every epoch. */
        public Builder shard(int rank, int worldSize) {
            this.rank = rank;
            this.worldSize = worldSize;
            return this;
        }

        /** This process reads its part of every batch ({@link BatchSplit}); batchSize is the whole batch's. */
        public Builder split(BatchSplit v) {
            split = v;
            return this;
        }

        public DataLoader build() {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            }
            if (workers <= 0 || prefetch <= 0) {
                throw new IllegalArgumentException("workers and prefetch must be positive");
            }
            if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("shard rank " + rank + " must be in [0, worldSize " + worldSize + ")");
            }
            if (split.worldSize() > 1) {
                if (worldSize > 1) {
                    throw new IllegalArgumentException("a loader takes either shard (whole batches) or split (parts of each"
                            + " batch), not both");
                }
                int last = dropLast ? batchSize : dataset.size() % batchSize == 0 ? batchSize : dataset.size() % batchSize;
                if (Math.min(batchSize, last) < split.worldSize()) {
                    throw new IllegalArgumentException("a batch of " + Math.min(batchSize, last) + " images cannot be split"
                            + " over " + split.worldSize() + " processes (each needs at least one): raise the batch size"
                            + (dropLast ? "" : " or drop the last partial batch"));
                }
            }
            if (dataset.size() < batchSize && dropLast) {
                throw new IllegalArgumentException(dataset.describe() + " has fewer images than one batch of " + batchSize);
            }
            return new DataLoader(this);
        }
    }
}
