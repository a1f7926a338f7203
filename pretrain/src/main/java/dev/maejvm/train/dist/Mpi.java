package dev.maejvm.train.dist;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Open MPI's libmpi, loaded once per process, with the handles it exports and checked calls. The
 * library is {@code libmpi.so.40} (Open MPI 3.x and 4.x; Debian 12: openmpi 4.1), or the file
 * named by the system property {@code mae.mpi.library}. It is opened with RTLD_GLOBAL, as Open
 * MPI's plugins (its MCA components, loaded by MPI_Init) need its symbols.
 */
final class Mpi {
    static final String LIBRARY_PROPERTY = "mae.mpi.library";
    static final String DEFAULT_LIBRARY = "libmpi.so.40";
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;
    /** Open MPI's MPI_IN_PLACE is ((void *) 1). */
    static final Pointer IN_PLACE = new Pointer(1);

    final MpiLibrary lib;
    final Pointer commWorld;
    final Pointer floatType;
    final Pointer doubleType;
    final Pointer sum;

    private Mpi(MpiLibrary lib, NativeLibrary symbols) {
        this.lib = lib;
        this.commWorld = symbols.getGlobalVariableAddress("ompi_mpi_comm_world");
        this.floatType = symbols.getGlobalVariableAddress("ompi_mpi_float");
        this.doubleType = symbols.getGlobalVariableAddress("ompi_mpi_double");
        this.sum = symbols.getGlobalVariableAddress("ompi_mpi_op_sum");
    }

    /** Loads the library; a clear error if it is missing (install openmpi-bin and libopenmpi3). */
    static Mpi load() {
        String name = System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY);
        Map<String, Object> options = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW | RTLD_GLOBAL);
        try {
            MpiLibrary lib = Native.load(name, MpiLibrary.class, options);
            return new Mpi(lib, NativeLibrary.getInstance(name, options));
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("cannot load Open MPI's library " + name + " (" + e.getMessage()
                    + "); install it (Debian: apt-get install openmpi-bin libopenmpi3) or name it with -D"
                    + LIBRARY_PROPERTY + "=/path/to/libmpi.so", e);
        }
    }

    /** Throws naming the call and MPI's own message unless {@code rc} is MPI_SUCCESS. */
    void check(int rc, String call) {
        if (rc != 0) {
            byte[] text = new byte[512];
            IntByReference len = new IntByReference();
            String message = lib.MPI_Error_string(rc, text, len) == 0
                    ? new String(text, 0, Math.max(0, Math.min(len.getValue(), text.length)), StandardCharsets.US_ASCII)
                    : "error code " + rc;
            throw new IllegalStateException(call + " failed: " + message);
        }
    }
}
