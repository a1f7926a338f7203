package dev.maejvm.finetune.det.fcos;

import java.util.Arrays;

/**
 * The k best of a stream of (score, id) pairs, in one pass and O(k) memory: a binary min-heap on
 * "worse" = lower score, then higher id. So equal scores keep the lower ids, and the result is
 * deterministic whatever the order of the stream.
 */
final class TopK {
    private final double[] scores;
    private final long[] ids;
    private int size;

    TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        scores = new double[k];
        ids = new long[k];
    }

    private boolean worse(double sa, long ia, double sb, long ib) {
        return sa < sb || (sa == sb && ia > ib);
    }

    void offer(double score, long id) {
        if (size < scores.length) {
            int i = size++;
            scores[i] = score;
            ids[i] = id;
            up(i);
        } else if (worse(scores[0], ids[0], score, id)) {
            scores[0] = score;
            ids[0] = id;
            down(0);
        }
    }

    private void up(int i) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!worse(scores[i], ids[i], scores[p], ids[p])) {
                return;
            }
            swap(i, p);
            i = p;
        }
    }

    private void down(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int w = l + 1 < size && worse(scores[l + 1], ids[l + 1], scores[l], ids[l]) ? l + 1 : l;
            if (!worse(scores[w], ids[w], scores[i], ids[i])) {
                return;
            }
            swap(i, w);
            i = w;
        }
    }

    private void swap(int a, int b) {
        double s = scores[a];
        scores[a] = scores[b];
        scores[b] = s;
        long t = ids[a];
        ids[a] = ids[b];
        ids[b] = t;
    }

    int size() {
        return size;
    }

    /** The kept ids, best first (decreasing score, then increasing id); {@code scoresOut} gets their scores. */
    long[] sorted(double[] scoresOut) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(scores[b], scores[a]);
            return c != 0 ? c : Long.compare(ids[a], ids[b]);
        });
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = ids[order[i]];
            scoresOut[i] = scores[order[i]];
        }
        return out;
    }
}
