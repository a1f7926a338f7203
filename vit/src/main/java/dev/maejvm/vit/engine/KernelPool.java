package dev.maejvm.vit.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The cores' share of the Java kernels: the calling thread and one helper thread per further core
 * take the tasks of a job from a shared counter, so the caller starts at once and does the whole
 * job itself when a helper is slow to wake. A parallel stream on the common fork-join pool hands
 * its second half to a parked worker, which is slow to start on a 2-core VM: for the kernels'
 * short jobs the hand-off costs as much as the work it spreads. Here a helper that is still
 * spinning from the job before starts at once. A step of the tiny preset runs ~500 such jobs,
 * at any mask ratio (timings in docs/PERFORMANCE.md).
 *
 * <p>Helpers spin for {@link #SPIN_NANOS} after a job, then park, so that an idle model leaves the
 * cores free (since the products run here too, {@link Sgemm}, a helper is seldom idle for long
 * during a step, and a longer spin gains nothing). One job runs at a time;
 * a job started while another runs (from another thread, or from inside a task) runs in its
 * caller alone, with the same rules: every task runs, and the first exception is thrown.
 */
public final class KernelPool {
    /** How long a helper waits for the next job before parking. */
    static final long SPIN_NANOS = Long.getLong("mae.kernelSpinMicros", 20) * 1000;
    /** How long the caller spins for the helpers' last tasks before parking. */
    private static final long CALLER_SPIN_NANOS = 20_000;

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Thread[] HELPERS = startHelpers(CORES - 1);
    private static volatile Job current;
    private static long jobs;          // numbers the jobs; written only while BUSY is held

    private KernelPool() {}

    /** The threads a job is spread over: the caller and the helpers. */
    public static int threads() {
        return HELPERS.length + 1;
    }

    /**
     * Runs {@code body.accept(task)} for every task in [0, tasks), spread over the cores, and
     * returns when all have run. Tasks must be independent of each other and of the order they
     * run in. An exception of a task is thrown here once all tasks have ended.
     */
    public static void run(int tasks, IntConsumer body) {
        Job job = new Job(body, tasks, Thread.currentThread());
        if (tasks <= 1 || HELPERS.length == 0 || isHelper(Thread.currentThread()) || !BUSY.compareAndSet(false, true)) {
            job.work();                                      // every task here, in order
            job.rethrow();
            return;
        }
        try {
            job.id = ++jobs;
            current = job;
            for (Thread h : HELPERS) {
                LockSupport.unpark(h);
            }
            job.work();
            job.awaitDone();
        } finally {
            current = null;
            BUSY.set(false);
        }
        job.rethrow();
    }

    private static boolean isHelper(Thread t) {
        for (Thread h : HELPERS) {
            if (h == t) {
                return true;
            }
        }
        return false;
    }

    private static Thread[] startHelpers(int count) {
        Thread[] helpers = new Thread[Math.max(0, count)];
        for (int i = 0; i < helpers.length; i++) {
            // no inherited thread-locals, and the pool's class loader rather than its first caller's
            helpers[i] = new Thread(null, KernelPool::helperLoop, "mae-kernel-" + (i + 1), 0, false);
            helpers[i].setContextClassLoader(KernelPool.class.getClassLoader());
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
        return helpers;
    }

    private static void helperLoop() {
        long seen = 0;                 // the last job's number: holding the job would keep what its tasks use
        while (true) {
            long idleSince = System.nanoTime();
            Job job;
            while ((job = current) == null || job.id == seen) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    job = null;                             // nothing of a finished job stays reachable
                    LockSupport.park(KernelPool.class);
                    idleSince = System.nanoTime();
                }
            }
            seen = job.id;
            job.work();
        }
    }

    /** One call of {@link #run}: its tasks, who has taken which, and how many have ended. */
    private static final class Job {
        private volatile long id;                            // set before the job is published
        private final IntConsumer body;
        private final int tasks;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile boolean callerParked;
        private volatile Throwable error;

        Job(IntConsumer body, int tasks, Thread caller) {
            this.body = body;
            this.tasks = tasks;
            this.caller = caller;
        }

        void work() {
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                try {
                    body.accept(t);
                } catch (Throwable e) {
                    fail(e);
                } finally {
                    if (done.incrementAndGet() == tasks && callerParked) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** The first exception is thrown; later ones are added to it as suppressed. */
        private synchronized void fail(Throwable e) {
            if (error == null) {
                error = e;
            } else if (error != e) {
                error.addSuppressed(e);
            }
        }

        /** Called by the caller once the counter is spent: the helpers' tasks still running end. */
        void awaitDone() {
            long start = System.nanoTime();
            while (done.get() < tasks && System.nanoTime() - start < CALLER_SPIN_NANOS) {
                Thread.onSpinWait();
            }
            if (done.get() < tasks) {
                boolean interrupted = Thread.interrupted();      // park would not wait while the flag is set
                callerParked = true;
                while (done.get() < tasks) {
                    LockSupport.park(this);
                    interrupted |= Thread.interrupted();
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void rethrow() {
            Throwable e = error;
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e != null) {
                throw new IllegalStateException(e);
            }
        }
    }
}
