package dev.maejvm.finetune.det.fcos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-level top-k selection: the same as a full sort by (score desc, id asc), whatever the stream order. */
class FcosTopKTest {

    @Test
    void matchesAFullSortWithTies() {
        SplittableRandom r = new SplittableRandom(13);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + r.nextInt(3000);
            int k = 1 + r.nextInt(200);
            List<long[]> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(new long[] {r.nextInt(50), i}); // few distinct scores: many ties
            }
            List<long[]> shuffled = new ArrayList<>(items);
            Collections.shuffle(shuffled, new java.util.Random(trial));
            TopK top = new TopK(k);
            for (long[] it : shuffled) {
                top.offer(it[0] / 50.0, it[1]);
            }
            items.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
            int m = Math.min(k, n);
            assertEquals(m, top.size());
            double[] scores = new double[m];
            long[] ids = top.sorted(scores);
            long[] expectedIds = new long[m];
            double[] expectedScores = new double[m];
            for (int i = 0; i < m; i++) {
                expectedIds[i] = items.get(i)[1];
                expectedScores[i] = items.get(i)[0] / 50.0;
            }
            assertArrayEquals(expectedIds, ids, "trial " + trial);
            assertArrayEquals(expectedScores, scores);
        }
    }
}
