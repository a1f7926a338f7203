package dev.maejvm.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.dist.Collective;
import dev.maejvm.train.dist.SingleProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A command's view of its job: the global batch split over the ranks, checked and recorded. */
class DataParallelTest {

    /** Rank {@code rank} of {@code size}, without MPI: only rank and size are asked. */
    static Collective fake(int rank, int size) {
        return new Collective() {
            public int rank() { return rank; }
            public int size() { return size; }
            public void allreduceSum(INDArray a) { throw new UnsupportedOperationException(); }
            public void allreduceSum(double[] v) { throw new UnsupportedOperationException(); }
            public void broadcast(INDArray a, int root) { throw new UnsupportedOperationException(); }
            public void broadcast(double[] v, int root) { throw new UnsupportedOperationException(); }
            public void barrier() { }
            public void abort(int code, String message) { throw new UnsupportedOperationException(); }
            public String describe() { return "fake " + rank + "/" + size; }
            public void close() { }
        };
    }

    @Test
    void theGlobalBatchIsSplitCheckedAndRecorded() {
        DataParallel three = new DataParallel(fake(1, 3));
        assertFalse(three.root());
        assertTrue(three.distributed());
        assertEquals(2, three.split().from(8));
        assertEquals(3, three.split().size(8));
        Map<String, String> tracked = three.tracked(Map.of("batchSize", "8"), 8);
        assertEquals("3", tracked.get("worldSize"));
        assertEquals("2-3", tracked.get("perRankBatch"));
        assertEquals("8", tracked.get("batchSize"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> three.requireBatch(2, "--batch-size"));
        assertTrue(e.getMessage().contains("--batch-size 2") && e.getMessage().contains("at least 3"), e.getMessage());

        DataParallel one = new DataParallel(SingleProcess.INSTANCE);
        assertTrue(one.root());
        assertFalse(one.distributed());
        assertEquals("1", one.tracked(Map.of(), 64).get("worldSize"));
        assertEquals("64", one.tracked(Map.of(), 64).get("perRankBatch"));
        one.requireBatch(1, "--batch-size");
    }
}
