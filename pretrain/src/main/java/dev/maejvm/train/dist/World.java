package dev.maejvm.train.dist;

import java.util.List;
import java.util.Map;

/**
 * The process group this JVM belongs to, opened once: {@link MpiCollective} when an MPI launcher
 * started the process (mpirun sets {@code OMPI_COMM_WORLD_RANK}; srun with PMIx sets
 * {@code PMIX_RANK}), {@link SingleProcess} otherwise. {@code MAE_MPI=0} forces a single process
 * even under a launcher. At the end of the program {@link #finish} finalises MPI after a normal
 * end, or aborts the whole job (so that no rank waits for a dead one) after a failure.
 */
public final class World {
    /** Variables a launcher sets in every rank's environment, any one of which means "under MPI". */
    public static final List<String> LAUNCHER_VARIABLES = List.of("OMPI_COMM_WORLD_RANK", "PMIX_RANK");
    /** Set to 0 to ignore a launcher. */
    public static final String SWITCH = "MAE_MPI";

    private static Collective opened;

    private World() {}

    /** Whether this environment says an MPI launcher started the process. */
    public static boolean launched(Map<String, String> env) {
        if ("0".equals(env.get(SWITCH))) {
            return false;
        }
        return LAUNCHER_VARIABLES.stream().anyMatch(env::containsKey);
    }

    /** The group, opening it (MPI_Init) on first use. */
    public static synchronized Collective get() {
        if (opened == null) {
            opened = launched(System.getenv()) ? new MpiCollective() : SingleProcess.INSTANCE;
        }
        return opened;
    }

    /** The group if it was opened, else the single process (nothing is initialised). */
    public static synchronized Collective current() {
        return opened != null ? opened : SingleProcess.INSTANCE;
    }

    /**
     * Ends this process's part in the group: MPI_Finalize after exit code 0; after any other
     * code, in a group of more than one, MPI_Abort, which ends every rank with that code.
     */
    public static synchronized void finish(int exitCode) {
        if (opened == null) {
            return;
        }
        if (exitCode == 0 || opened.size() == 1) {
            opened.close();
        } else {
            opened.abort(exitCode, "exit code " + exitCode);
        }
    }
}
