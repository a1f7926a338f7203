package dev.maejvm.finetune.knn;

import dev.maejvm.vit.engine.FusedKernels;
import dev.maejvm.vit.engine.KernelPool;
import dev.maejvm.vit.engine.Kernels;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Weighted k-nearest-neighbour classification over a bank of labelled features, as InstDisc
 * (Wu et al. 2018) and DINO's {@code knn_classifier}: features are L2-normalised; a query's
 * neighbours are the k bank rows of highest cosine similarity; each votes for its class with
 * weight exp(sim / T); the class scores are the sums of the votes.
 *
 * <p>Cost: per chunk of queries one gemm [B, D] x [D, N] (the bank, held as float32 [N, D], is
 * the transposed operand) and, per query, a partial selection of the k best of its N
 * similarities with a k-element heap (O(N log k), no sort of N), spread over the cores.
 *
 * <p>Rules, where the above leaves a choice:
 * <ul>
 *   <li><b>k larger than the bank</b>: every bank row votes ({@link #k()} is then the bank's size).</li>
 *   <li><b>Equal similarities</b>: of bank rows with the same similarity the one with the smaller
 *       row index is the nearer (as a stable sort), so which rows vote is deterministic.</li>
 *   <li><b>Equal class scores</b>: the smaller class index ranks first (so the prediction of two
 *       classes with the same score is the smaller one).</li>
 *   <li><b>Classes without a neighbour</b> rank after every class that has one, and are never a
 *       hit: top-5 counts a query when its class is among the 5 best-scored classes that got at
 *       least one vote. (DINO reads the first 5 of an argsort, where classes with no vote fill
 *       the ranks left in an order the sort leaves open.)</li>
 *   <li>The weights are computed as exp((sim - s<sub>max</sub>) / T) in double, s<sub>max</sub> the
 *       query's best similarity: the same ranking as exp(sim / T) up to rounding, without overflow
 *       at small T. {@link #classScores} are therefore the scores up to a positive factor per query.</li>
 *   <li>A zero feature stays zero (divided by max(norm, 1e-12), as torch's {@code F.normalize});
 *       a NaN similarity ranks below every number.</li>
 * </ul>
 */
public final class WeightedKnn {
    /**
     * Similarities held at once: a chunk of queries times the bank, at most this many floats
     * (16 MB; e.g. 69 queries against a bank of 60,000). One buffer per call, not zeroed (the
     * gemm's beta is 0): allocating and zeroing a 64 MB one cost more than its gemm and selection.
     */
    static final long MAX_SIMILARITIES = 1L << 22;
    private static final double NORM_EPS = 1e-12;
    /** Classes ranked per query: enough for top-5. */
    private static final int RANKED = 5;

    private final INDArray bank;       // [N, D] float32, unit rows
    private final int[] labels;
    private final int numClasses;
    private final int k;
    private final double temperature;
    private long chunkFloats = MAX_SIMILARITIES;

    /**
     * @param bank [N, D] features of the train bank: its rows are L2-normalised <b>in place</b>
     *     (a float32 c-order array is kept as it is, another is copied first); the classifier keeps it
     * @param labels the class of each bank row, in [0, numClasses)
     * @param k neighbours that vote, >= 1 (more than N: all N vote)
     * @param temperature T > 0
     */
    public WeightedKnn(INDArray bank, int[] labels, int numClasses, int k, double temperature) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 and finite, got " + temperature);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if (bank.rank() != 2 || bank.size(0) < 1 || bank.size(1) < 1) {
            throw new IllegalArgumentException("the bank must be [N, D] with N, D >= 1, got " + Arrays.toString(bank.shape()));
        }
        if (bank.size(0) != labels.length) {
            throw new IllegalArgumentException("the bank has " + bank.size(0) + " rows but " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("bank row " + i + " has label " + labels[i] + ", outside [0, " + numClasses
                        + ")" + (labels[i] < 0 ? ": the train bank must be labelled" : ""));
            }
        }
        this.bank = normalizeRows(bank.dataType() == DataType.FLOAT && bank.ordering() == 'c' && bank.elementWiseStride() == 1
                ? bank : bank.castTo(DataType.FLOAT).dup('c'));
        this.labels = labels.clone();
        this.numClasses = numClasses;
        this.k = (int) Math.min(k, bank.size(0));
        this.temperature = temperature;
    }

    /** Tests: hold at most this many similarities at once (several chunks of queries). */
    void chunkFloats(long floats) {
        this.chunkFloats = floats;
    }

    /** Bank rows. */
    public int size() {
        return labels.length;
    }

    /** Neighbours that vote: the k asked for, or the bank's size where that is smaller. */
    public int k() {
        return k;
    }

    public int numClasses() {
        return numClasses;
    }

    public double temperature() {
        return temperature;
    }

    /**
     * Accuracy over labelled queries.
     *
     * @param top1 share of queries whose predicted class is theirs
     * @param top5 share whose class is among the 5 best-scored classes with a vote; NaN with fewer than 5 classes
     * @param predictions the predicted class of each query
     */
    public record Result(int queries, double top1, double top5, int[] predictions) {}

    /** @param queries [M, D] features (not changed); @param labels their classes */
    public Result evaluate(INDArray queries, int[] labels) {
        if (queries.size(0) != labels.length) {
            throw new IllegalArgumentException(queries.size(0) + " queries but " + labels.length + " labels");
        }
        int m = labels.length;
        int[] predictions = new int[m];
        boolean[] hit1 = new boolean[m];
        boolean[] hit5 = new boolean[m];
        run(queries, (q, ranked, voted, scores) -> {
            predictions[q] = ranked[0];
            hit1[q] = ranked[0] == labels[q];
            for (int r = 0; r < Math.min(ranked.length, voted); r++) {
                hit5[q] |= ranked[r] == labels[q];
            }
        }, null);
        int c1 = 0;
        int c5 = 0;
        for (int q = 0; q < m; q++) {
            c1 += hit1[q] ? 1 : 0;
            c5 += hit5[q] ? 1 : 0;
        }
        return new Result(m, m == 0 ? Double.NaN : (double) c1 / m,
                numClasses < 5 || m == 0 ? Double.NaN : (double) c5 / m, predictions);
    }

    /** The predicted class of each query [M, D]. */
    public int[] predict(INDArray queries) {
        int[] out = new int[(int) queries.size(0)];
        run(queries, (q, ranked, voted, scores) -> out[q] = ranked[0], null);
        return out;
    }

    /** Per query [M, D], the class scores (sums of the neighbours' weights, up to a positive factor per query). */
    public double[][] classScores(INDArray queries) {
        double[][] out = new double[(int) queries.size(0)][];
        run(queries, (q, ranked, voted, scores) -> out[q] = scores.clone(), null);
        return out;
    }

    /** Per query [M, D], the bank rows that vote, nearest first. */
    public int[][] neighbours(INDArray queries) {
        int[][] out = new int[(int) queries.size(0)][];
        run(queries, (q, ranked, voted, scores) -> { }, out);
        return out;
    }

    /** What is done with each query's outcome; called from several threads, each query once. */
    @FunctionalInterface
    private interface PerQuery {
        /**
         * @param ranked the best min(5, numClasses) classes with a vote, best first (ties: smaller
         *     index first); only the first min(voted, length) entries are meaningful
         * @param voted how many classes got at least one vote (>= 1)
         * @param scores the class scores (a buffer of the calling thread: copy to keep)
         */
        void accept(int query, int[] ranked, int voted, double[] scores);
    }

    private void run(INDArray queries, PerQuery perQuery, int[][] neighboursOut) {
        if (queries.rank() != 2 || queries.size(1) != bank.size(1)) {
            throw new IllegalArgumentException("queries must be [M, " + bank.size(1) + "], got " + Arrays.toString(queries.shape()));
        }
        int m = (int) queries.size(0);
        int n = labels.length;
        int chunk = (int) Math.max(1, Math.min(m, chunkFloats / n));
        INDArray buffer = m == 0 ? null : Nd4j.createUninitialized(DataType.FLOAT, chunk, n);
        for (int from = 0; from < m; from += chunk) {
            int rows = Math.min(chunk, m - from);
            INDArray q = normalizeRows(queries.get(NDArrayIndex.interval(from, from + rows), NDArrayIndex.all())
                    .castTo(DataType.FLOAT).dup('c'));
            INDArray sims = rows == chunk ? buffer : buffer.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
            Kernels.matmul(q, bank, sims, false, true, 1.0, 0.0);                  // [B, D] x [D, N]
            FloatBuffer buf = FusedKernels.applies(sims) ? sims.data().asNioFloat()
                    : FloatBuffer.wrap(sims.dup('c').data().asFloat());
            int offset = FusedKernels.applies(sims) ? (int) sims.offset() : 0;
            int first = from;
            int tasks = Math.max(1, Math.min(KernelPool.threads() * 4, rows / 8));
            KernelPool.run(tasks, t -> {
                Selector s = new Selector(k, n, numClasses);
                int lo = (int) ((long) rows * t / tasks);
                int hi = (int) ((long) rows * (t + 1) / tasks);
                for (int r = lo; r < hi; r++) {
                    buf.get(offset + r * n, s.row, 0, n);
                    s.select();
                    int voted = s.vote(labels, temperature);
                    if (neighboursOut != null) {
                        neighboursOut[first + r] = s.nearestFirst();
                    }
                    perQuery.accept(first + r, s.ranked, voted, s.scores);
                }
            });
        }
    }

    /** One thread's buffers: a row of similarities, the k-element heap, the class tallies. */
    private static final class Selector {
        final float[] row;
        final float[] heapSim;
        final int[] heapIdx;
        final double[] scores;
        final int[] votes;
        final int[] ranked;
        int size;

        Selector(int k, int n, int numClasses) {
            row = new float[n];
            heapSim = new float[k];
            heapIdx = new int[k];
            scores = new double[numClasses];
            votes = new int[numClasses];
            ranked = new int[Math.min(RANKED, numClasses)];
        }

        /**
         * The k best of {@code row} in a heap whose root is the worst kept (smallest similarity;
         * of equal ones the larger index). Rows are scanned in index order, so a later row of
         * equal similarity never displaces an earlier one.
         */
        void select() {
            int k = heapSim.length;
            int n = row.length;
            size = 0;
            int j = 0;
            for (; j < n && size < k; j++) {
                float s = row[j];
                heapSim[size] = s != s ? Float.NEGATIVE_INFINITY : s;     // NaN below every number
                heapIdx[size] = j;
                siftUp(size++);
            }
            // the hot loop: one compare per row against the worst kept (a NaN fails it)
            float worst = size > 0 ? heapSim[0] : Float.POSITIVE_INFINITY;
            for (; j < n; j++) {
                float s = row[j];
                if (s > worst) {
                    heapSim[0] = s;
                    heapIdx[0] = j;
                    siftDown(0);
                    worst = heapSim[0];
                }
            }
        }

        /** a ranks below b: smaller similarity, or equal and a later row. */
        private boolean worse(int a, int b) {
            return heapSim[a] < heapSim[b] || (heapSim[a] == heapSim[b] && heapIdx[a] > heapIdx[b]);
        }

        private void swap(int a, int b) {
            float s = heapSim[a];
            heapSim[a] = heapSim[b];
            heapSim[b] = s;
            int i = heapIdx[a];
            heapIdx[a] = heapIdx[b];
            heapIdx[b] = i;
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!worse(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) {
                    return;
                }
                int w = l + 1 < size && worse(l + 1, l) ? l + 1 : l;
                if (!worse(w, i)) {
                    return;
                }
                swap(w, i);
                i = w;
            }
        }

        /**
         * Tallies the kept neighbours' weights per class and ranks the best {@code ranked.length}
         * classes that got a vote (higher score first, of equal scores the smaller class); returns
         * how many classes got a vote (at least 1: k >= 1).
         */
        int vote(int[] labels, double temperature) {
            Arrays.fill(scores, 0);
            Arrays.fill(votes, 0);
            float best = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < size; i++) {
                best = Math.max(best, heapSim[i]);
            }
            double ref = Float.isFinite(best) ? best : 0;
            for (int i = 0; i < size; i++) {
                int c = labels[heapIdx[i]];
                scores[c] += Math.exp((heapSim[i] - ref) / temperature);
                votes[c]++;
            }
            int voted = 0;
            int len = 0;
            for (int c = 0; c < scores.length; c++) {        // in class order: an equal score stays behind
                if (votes[c] == 0) {
                    continue;
                }
                voted++;
                int p = len;
                while (p > 0 && scores[c] > scores[ranked[p - 1]]) {
                    p--;
                }
                if (p < ranked.length) {
                    int end = Math.min(len, ranked.length - 1);
                    System.arraycopy(ranked, p, ranked, p + 1, end - p);
                    ranked[p] = c;
                    len = Math.min(len + 1, ranked.length);
                }
            }
            return voted;
        }

        /** The kept rows, nearest first (ties: smaller index first). */
        int[] nearestFirst() {
            Integer[] idx = new Integer[size];
            for (int i = 0; i < size; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> worse(a, b) ? 1 : worse(b, a) ? -1 : 0);
            int[] out = new int[size];
            for (int i = 0; i < size; i++) {
                out[i] = heapIdx[idx[i]];
            }
            return out;
        }
    }

    /** x[i] /= max(||x[i]||, 1e-12), in place; x is [M, D]. */
    static INDArray normalizeRows(INDArray x) {
        INDArray norms = x.norm2(1).reshape(x.size(0), 1);
        org.nd4j.linalg.ops.transforms.Transforms.max(norms, NORM_EPS, false);
        x.diviColumnVector(norms);
        return x;
    }

}
