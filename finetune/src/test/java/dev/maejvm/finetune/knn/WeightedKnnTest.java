package dev.maejvm.finetune.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The weighted vote against a float64 brute force, its tie rules, and its refusals. */
class WeightedKnnTest {

    static INDArray array(float[][] rows) {
        return Nd4j.create(rows).castTo(DataType.FLOAT);
    }

    static float[][] gaussian(Random rng, int n, int d) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        return x;
    }

    /** Clusters around random centres, noise 0.05 of the centre's norm: every query's class is its cluster's. */
    @Test
    void wellSeparatedClustersAreClassifiedWithoutError() {
        Random rng = new Random(3);
        int classes = 10;
        int d = 32;
        float[][] centres = gaussian(rng, classes, d);
        int perClass = 40;
        float[][] bank = new float[classes * perClass][d];
        int[] bankLabels = new int[bank.length];
        float[][] queries = new float[classes * 15][d];
        int[] queryLabels = new int[queries.length];
        for (int i = 0; i < bank.length; i++) {
            bankLabels[i] = i % classes;                   // classes interleaved in the bank
            for (int j = 0; j < d; j++) {
                bank[i][j] = centres[bankLabels[i]][j] * (0.5f + rng.nextFloat()) + 0.05f * (float) rng.nextGaussian();
            }
        }
        for (int i = 0; i < queries.length; i++) {
            queryLabels[i] = i / 15;
            for (int j = 0; j < d; j++) {
                queries[i][j] = centres[queryLabels[i]][j] * 2 + 0.05f * (float) rng.nextGaussian();
            }
        }
        for (int k : new int[] {1, 20, 40}) {
            WeightedKnn knn = new WeightedKnn(array(bank), bankLabels, classes, k, 0.07);
            WeightedKnn.Result r = knn.evaluate(array(queries), queryLabels);
            assertEquals(1.0, r.top1(), "k " + k);
            assertEquals(1.0, r.top5(), "k " + k);
            assertArrayEquals(queryLabels, r.predictions());
        }
    }

    /** Two classes split by the sign of the first coordinate, with a wide margin; magnitudes vary. */
    @Test
    void linearlySeparableHalfSpacesAreClassifiedWithoutError() {
        Random rng = new Random(4);
        int d = 8;
        float[][] bank = new float[200][d];
        int[] labels = new int[200];
        for (int i = 0; i < bank.length; i++) {
            labels[i] = i % 2;
            bank[i][0] = (labels[i] == 0 ? 1 : -1) * (3 + rng.nextFloat()) * (0.2f + rng.nextFloat());
            for (int j = 1; j < d; j++) {
                bank[i][j] = 0.1f * (float) rng.nextGaussian() * Math.abs(bank[i][0]);
            }
        }
        float[][] queries = Arrays.copyOfRange(gaussian(rng, 50, d), 0, 50);
        int[] ql = new int[50];
        for (int i = 0; i < 50; i++) {
            ql[i] = i % 2;
            queries[i][0] = (ql[i] == 0 ? 5 : -5) * (0.5f + rng.nextFloat());
            for (int j = 1; j < d; j++) {
                queries[i][j] *= 0.1f * Math.abs(queries[i][0]);
            }
        }
        WeightedKnn.Result r = new WeightedKnn(array(bank), labels, 2, 20, 0.07).evaluate(array(queries), ql);
        assertEquals(1.0, r.top1());
        assertTrue(Double.isNaN(r.top5()), "no top-5 with fewer than 5 classes");
    }

    /** The reference: float64 throughout, a full sort of the bank per query (similarity down, index up). */
    record Reference(int[][] neighbours, double[][] sims, double[][] scores, int[] prediction) {
        static Reference of(float[][] bank, int[] labels, int classes, float[][] queries, int k, double t) {
            double[][] b = normalised(bank);
            double[][] q = normalised(queries);
            int kk = Math.min(k, bank.length);
            int[][] nb = new int[q.length][];
            double[][] sims = new double[q.length][];
            double[][] scores = new double[q.length][classes];
            int[] pred = new int[q.length];
            for (int i = 0; i < q.length; i++) {
                double[] s = new double[b.length];
                for (int j = 0; j < b.length; j++) {
                    for (int c = 0; c < q[i].length; c++) {
                        s[j] += q[i][c] * b[j][c];
                    }
                }
                sims[i] = s;
                nb[i] = IntStream.range(0, b.length).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(j -> -s[j]).thenComparingInt(j -> j))
                        .limit(kk).mapToInt(Integer::intValue).toArray();
                for (int j : nb[i]) {
                    scores[i][labels[j]] += Math.exp(s[j] / t);
                }
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (scores[i][c] > scores[i][best]) {
                        best = c;
                    }
                }
                pred[i] = best;
            }
            return new Reference(nb, sims, scores, pred);
        }

        static double[][] normalised(float[][] x) {
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                double norm = 0;
                for (float v : x[i]) {
                    norm += (double) v * v;
                }
                norm = Math.max(Math.sqrt(norm), 1e-12);
                out[i] = new double[x[i].length];
                for (int j = 0; j < x[i].length; j++) {
                    out[i][j] = x[i][j] / norm;
                }
            }
            return out;
        }
    }

    @Test
    void weightedVoteMatchesAFloat64BruteForceOnRandomFeatures() {
        Random rng = new Random(7);
        int n = 300;
        int d = 16;
        int classes = 7;
        float[][] bank = gaussian(rng, n, d);
        int[] labels = rng.ints(n, 0, classes).toArray();
        float[][] queries = gaussian(rng, 120, d);
        int[] ql = rng.ints(queries.length, 0, classes).toArray();
        int compared = 0;
        int skipped = 0;
        for (int k : new int[] {1, 5, 20, 299, 300, 1000}) {
            for (double t : new double[] {0.07, 0.5}) {
                Reference ref = Reference.of(bank, labels, classes, queries, k, t);
                WeightedKnn knn = new WeightedKnn(array(bank), labels, classes, k, t);
                knn.chunkFloats(37L * n);                  // 4 chunks of queries (37 + 37 + 37 + 9)
                assertEquals(Math.min(k, n), knn.k());
                int[][] nb = knn.neighbours(array(queries));
                double[][] scores = knn.classScores(array(queries));
                int[] pred = knn.predict(array(queries));
                int hits = 0;
                for (int i = 0; i < queries.length; i++) {
                    hits += pred[i] == ql[i] ? 1 : 0;
                    double[] s = ref.sims()[i];
                    // the neighbour set: equal unless the k-th and the next similarities are closer than float32 can tell
                    int kk = knn.k();
                    double[] sorted = Arrays.stream(s).boxed().sorted(Comparator.reverseOrder()).mapToDouble(x -> x).toArray();
                    if (kk == n || sorted[kk - 1] - sorted[kk] > 1e-5) {
                        assertEquals(set(ref.neighbours()[i]), set(nb[i]), "neighbours of query " + i + ", k " + k);
                        double refSum = Arrays.stream(ref.scores()[i]).sum();
                        double sum = Arrays.stream(scores[i]).sum();
                        for (int c = 0; c < classes; c++) {
                            assertEquals(ref.scores()[i][c] / refSum, scores[i][c] / sum, 1e-4, "score share of class " + c);
                        }
                        double[] r = ref.scores()[i].clone();
                        Arrays.sort(r);
                        if ((r[classes - 1] - r[classes - 2]) / r[classes - 1] > 1e-4) {
                            assertEquals(ref.prediction()[i], pred[i], "prediction of query " + i + ", k " + k + ", T " + t);
                            compared++;
                        } else {
                            skipped++;
                        }
                    } else {
                        skipped++;
                    }
                }
                WeightedKnn.Result res = knn.evaluate(array(queries), ql);
                assertEquals((double) hits / queries.length, res.top1(), 1e-12);
                assertTrue(res.top5() >= res.top1());
            }
        }
        // with this seed no query is that close to a tie (1440 of 1440 compared); the guard keeps the
        // test about the rules, not about float32 rounding, should the data change
        assertTrue(skipped <= compared / 50, "near-ties skipped: " + skipped + " of " + (skipped + compared));
    }

    @Test
    void topFiveCountsTheFiveBestScoredClassesAmongThoseWithAVote() {
        // 6 classes on the axes of R^6; the query is nearest class 0's point, then class 2's
        float[][] bank = new float[6][6];
        int[] labels = {0, 1, 2, 3, 4, 5};
        for (int i = 0; i < 6; i++) {
            bank[i][i] = 1;
        }
        float[][] q = {{1, 0, 0.5f, 0, 0, 0}};
        WeightedKnn k1 = new WeightedKnn(array(bank), labels, 6, 1, 0.07);
        assertEquals(0.0, k1.evaluate(array(q), new int[] {1}).top5(),
                "class 1 got no vote: not a top-5 hit although it would follow class 0 in index order");
        WeightedKnn k2 = new WeightedKnn(array(bank), labels, 6, 2, 0.07);
        assertEquals(1.0, k2.evaluate(array(q), new int[] {2}).top5());
        assertEquals(0.0, k2.evaluate(array(q), new int[] {2}).top1());
        assertEquals(0.0, k2.evaluate(array(q), new int[] {1}).top5());
        WeightedKnn all = new WeightedKnn(array(bank), labels, 6, 6, 0.07);
        // every class votes; 1, 3, 4, 5 have equal scores (similarity 0): the smaller classes rank first
        assertEquals(1.0, all.evaluate(array(q), new int[] {4}).top5());
        assertEquals(0.0, all.evaluate(array(q), new int[] {5}).top5());
    }

    @Test
    void tiesGoToTheEarlierBankRowAndThenToTheSmallerClass() {
        // rows 0-2 are the same point as the query (exact similarity 1), row 3 is orthogonal
        float[][] bank = {{1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {0, 1, 0}};
        int[] labels = {2, 1, 0, 0};
        float[][] q = {{2, 0, 0}};
        assertArrayEquals(new int[] {2}, new WeightedKnn(array(bank), labels, 3, 1, 0.07).predict(array(q)),
                "of equal similarities the first row is the nearest");
        assertArrayEquals(new int[] {0}, new WeightedKnn(array(bank), labels, 3, 1, 0.07).neighbours(array(q))[0]);
        assertArrayEquals(new int[] {1}, new WeightedKnn(array(bank), labels, 3, 2, 0.07).predict(array(q)),
                "classes 2 and 1 have equal scores: the smaller class");
        assertArrayEquals(new int[] {0, 1}, new WeightedKnn(array(bank), labels, 3, 2, 0.07).neighbours(array(q))[0]);
        assertArrayEquals(new int[] {0}, new WeightedKnn(array(bank), labels, 3, 3, 0.07).predict(array(q)));
        // with row 3 too, class 0 has the most weight
        assertArrayEquals(new int[] {0, 1, 2, 3}, new WeightedKnn(array(bank), labels, 3, 4, 0.07).neighbours(array(q))[0]);
        assertArrayEquals(new int[] {0}, new WeightedKnn(array(bank), labels, 3, 4, 0.07).predict(array(q)));
    }

    @Test
    void aBankSmallerThanKVotesWhole() {
        float[][] bank = {{1, 0}, {0, 1}, {0.9f, 0.1f}};
        WeightedKnn knn = new WeightedKnn(array(bank), new int[] {0, 1, 1}, 2, 20, 0.07);
        assertEquals(3, knn.k());
        assertArrayEquals(new int[] {0, 2, 1}, knn.neighbours(array(new float[][] {{1, 0}}))[0]);
    }

    @Test
    void zeroFeaturesStayZeroAndSmallTemperaturesDoNotOverflow() {
        float[][] bank = {{0, 0}, {1, 0}, {0, 1}};
        WeightedKnn knn = new WeightedKnn(array(bank), new int[] {0, 1, 0}, 2, 2, 1e-4);
        // exp(1 / 1e-4) overflows a double; relative to the best similarity it does not
        double[] s = knn.classScores(array(new float[][] {{1, 0.01f}}))[0];
        assertTrue(Double.isFinite(s[0]) && Double.isFinite(s[1]) && s[1] == 1.0, Arrays.toString(s));
        assertArrayEquals(new int[] {1}, knn.predict(array(new float[][] {{1, 0.01f}})));
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        INDArray bank = array(new float[][] {{1, 0}, {0, 1}});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WeightedKnn(bank, new int[] {0, 1}, 2, 0, 0.07))
                .getMessage().contains("k must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WeightedKnn(bank, new int[] {0, 1}, 2, 5, 0))
                .getMessage().contains("temperature must be > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WeightedKnn(bank, new int[] {0, -1}, 2, 5, 0.1))
                .getMessage().contains("bank row 1 has label -1, outside [0, 2): the train bank must be labelled"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WeightedKnn(bank, new int[] {0}, 2, 5, 0.1))
                .getMessage().contains("2 rows but 1 labels"));
        WeightedKnn knn = new WeightedKnn(bank, new int[] {0, 1}, 2, 5, 0.1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> knn.predict(array(new float[][] {{1, 0, 0}})))
                .getMessage().contains("queries must be [M, 2]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KnnConfig(0, 0.07, dev.maejvm.vit.model.GlobalPool.TOKEN,
                8, 0, 0)).getMessage().startsWith("k must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KnnConfig(20, -1, dev.maejvm.vit.model.GlobalPool.TOKEN,
                8, 0, 0)).getMessage().startsWith("temperature must be > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KnnConfig(20, 0.07, dev.maejvm.vit.model.GlobalPool.TOKEN,
                0, 0, 0)).getMessage().startsWith("batchSize must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KnnConfig(20, 0.07, dev.maejvm.vit.model.GlobalPool.TOKEN,
                8, -1, 0)).getMessage().startsWith("trainLimit must be >= 0"));
    }

    private static Set<Integer> set(int[] a) {
        Set<Integer> s = new HashSet<>();
        for (int v : a) {
            s.add(v);
        }
        return s;
    }
}
