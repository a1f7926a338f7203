package dev.maejvm.train;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGUSR1 asks a run to stop as Ctrl-C does in a single process: finish the step, write a
 * checkpoint, end. It matters under mpirun, which on Ctrl-C (SIGINT, SIGTERM) kills every rank
 * at once but forwards SIGUSR1 to all of them: {@code kill -USR1 <mpirun's pid>}; the ranks then
 * agree on the step to stop at (docs/DISTRIBUTED.md). Where the JVM does not let the signal be
 * handled (-Xrs), nothing is installed.
 */
final class StopSignal {
    static final String NAME = "USR1";

    private StopSignal() {}

    /** @return the handler it replaced (to {@link #restore}), or null if none could be installed */
    static SignalHandler install(Runnable stop) {
        try {
            return Signal.handle(new Signal(NAME), s -> {
                System.err.println("\nSIGUSR1: finishing the step and writing a checkpoint...");
                stop.run();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException unavailable) {
            return null;
        }
    }

    static void restore(SignalHandler previous) {
        if (previous != null) {
            try {
                Signal.handle(new Signal(NAME), previous);
            } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
                // as install: nothing to restore
            }
        }
    }
}
