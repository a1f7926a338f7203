package dev.maejvm.vit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class KernelPoolTest {

    @Test
    void runsEveryTaskExactlyOnce() {
        for (int tasks : new int[] {0, 1, 2, 3, 8, 1000}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(tasks, 1));
            for (int rep = 0; rep < 50; rep++) {
                KernelPool.run(tasks, runs::incrementAndGet);
            }
            for (int t = 0; t < tasks; t++) {
                assertEquals(50, runs.get(t), "task " + t + " of " + tasks);
            }
        }
    }

    @Test
    void aTasksExceptionReachesTheCallerAfterTheOthersRan() {
        AtomicIntegerArray runs = new AtomicIntegerArray(16);
        IllegalStateException thrown = new IllegalStateException("task 5");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelPool.run(16, t -> {
            runs.incrementAndGet(t);
            if (t == 5) {
                throw thrown;
            }
        }));
        assertSame(thrown, e);
        for (int t = 0; t < 16; t++) {
            assertEquals(1, runs.get(t), "task " + t);
        }
        // the pool is free again
        AtomicIntegerArray after = new AtomicIntegerArray(4);
        KernelPool.run(4, after::incrementAndGet);
        assertEquals(4, after.get(0) + after.get(1) + after.get(2) + after.get(3));
    }

    @Test
    void aJobRunInItsCallerAloneAlsoRunsEveryTaskAndThrowsTheFirstException() {
        AtomicIntegerArray inner = new AtomicIntegerArray(6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelPool.run(2, outer -> {
            if (outer == 0) {
                KernelPool.run(6, t -> {                   // nested: runs in the task's thread
                    inner.incrementAndGet(t);
                    if (t == 1 || t == 4) {
                        throw new IllegalArgumentException("inner " + t);
                    }
                });
            }
        }));
        assertEquals("inner 1", e.getMessage());
        assertEquals(1, e.getSuppressed().length, "the second failure is kept as suppressed");
        for (int t = 0; t < 6; t++) {
            assertEquals(1, inner.get(t), "inner task " + t);
        }
    }

    @Test
    void aJobInsideATaskRunsInItsCaller() {
        AtomicIntegerArray inner = new AtomicIntegerArray(8 * 8);
        KernelPool.run(8, outer -> KernelPool.run(8, t -> inner.incrementAndGet(outer * 8 + t)));
        for (int i = 0; i < 64; i++) {
            assertEquals(1, inner.get(i), "inner task " + i);
        }
    }

    @Test
    void callersOnSeveralThreadsEachGetTheirWholeJob() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            Future<?>[] jobs = new Future<?>[3];
            for (int c = 0; c < jobs.length; c++) {
                jobs[c] = callers.submit(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        long[] sums = new long[64];
                        KernelPool.run(64, t -> sums[t] = (long) t * t);
                        long total = 0;
                        for (long s : sums) {
                            total += s;
                        }
                        assertEquals(85344, total);               // sum of t^2 for t < 64
                    }
                    return null;
                });
            }
            for (Future<?> f : jobs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        assertTrue(KernelPool.threads() >= 1);
    }
}
