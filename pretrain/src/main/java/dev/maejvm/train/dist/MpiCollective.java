package dev.maejvm.train.dist;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Collective} over MPI_COMM_WORLD of Open MPI's libmpi: one process per rank, launched by
 * {@code mpirun} (or srun). Arrays are passed by the address of ND4J's off-heap memory, reduced
 * in place (MPI_IN_PLACE): no copy on the Java side. A long buffer goes in calls of
 * {@link #MAX_COUNT} elements, one after the other. Open MPI's default error handler (MPI_ERRORS_ARE_FATAL) ends the
 * whole job on a communication failure; {@link #abort} ends it on a Java exception.
 *
 * <p>All calls must come from one thread (MPI_Init's default thread level), the training thread.
 */
public final class MpiCollective implements Collective {
    /**
     * Elements per MPI call (-Dmae.mpi.chunk=N): 2^22 floats, 16 MB. One call over vit-b16's
     * 447 MB took 3.3-7.3 s on 2 ranks over shared memory, 16 MB calls 0.47-0.83 s in all
     * (alternated, docs/DISTRIBUTED.md); Horovod's fusion buffer is of that order too (64 MB).
     * Always below 2^31, the limit of MPI's int counts.
     */
    static final int MAX_COUNT = Integer.getInteger("mae.mpi.chunk", 1 << 22);

    private final Mpi mpi;
    private final int rank;
    private final int size;
    private boolean closed;

    /** Initialises MPI (MPI_Init) in this process: the process must have been started by an MPI launcher. */
    public MpiCollective() {
        this.mpi = Mpi.load();
        IntByReference flag = new IntByReference();
        mpi.check(mpi.lib.MPI_Initialized(flag), "MPI_Initialized");
        if (flag.getValue() == 0) {
            mpi.check(mpi.lib.MPI_Init(null, null), "MPI_Init");
        }
        IntByReference r = new IntByReference();
        IntByReference s = new IntByReference();
        mpi.check(mpi.lib.MPI_Comm_rank(mpi.commWorld, r), "MPI_Comm_rank");
        mpi.check(mpi.lib.MPI_Comm_size(mpi.commWorld, s), "MPI_Comm_size");
        this.rank = r.getValue();
        this.size = s.getValue();
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allreduceSum(INDArray array) {
        long n = array.length();
        long bytes = array.data().getElementSize();
        Pointer type = type(array);
        long base = HostAddress.of(array);
        for (long from = 0; from < n; from += MAX_COUNT) {
            int count = (int) Math.min(MAX_COUNT, n - from);
            Pointer at = new Pointer(base + from * bytes);
            mpi.check(mpi.lib.MPI_Allreduce(Mpi.IN_PLACE, at, count, type, mpi.sum, mpi.commWorld), "MPI_Allreduce");
        }
    }

    @Override
    public void allreduceSum(double[] values) {
        if (values.length == 0) {
            return;
        }
        Memory m = new Memory(8L * values.length);
        m.write(0, values, 0, values.length);
        mpi.check(mpi.lib.MPI_Allreduce(Mpi.IN_PLACE, m, values.length, mpi.doubleType, mpi.sum, mpi.commWorld),
                "MPI_Allreduce");
        m.read(0, values, 0, values.length);
    }

    @Override
    public void broadcast(INDArray array, int root) {
        checkRoot(root);
        long n = array.length();
        long bytes = array.data().getElementSize();
        Pointer type = type(array);
        long base = HostAddress.of(array);
        for (long from = 0; from < n; from += MAX_COUNT) {
            int count = (int) Math.min(MAX_COUNT, n - from);
            mpi.check(mpi.lib.MPI_Bcast(new Pointer(base + from * bytes), count, type, root, mpi.commWorld), "MPI_Bcast");
        }
    }

    @Override
    public void broadcast(double[] values, int root) {
        checkRoot(root);
        if (values.length == 0) {
            return;
        }
        Memory m = new Memory(8L * values.length);
        m.write(0, values, 0, values.length);
        mpi.check(mpi.lib.MPI_Bcast(m, values.length, mpi.doubleType, root, mpi.commWorld), "MPI_Bcast");
        m.read(0, values, 0, values.length);
    }

    @Override
    public void barrier() {
        mpi.check(mpi.lib.MPI_Barrier(mpi.commWorld), "MPI_Barrier");
    }

    @Override
    public void abort(int code, String message) {
        System.err.println("rank " + rank + " of " + size + ": " + message + " -- aborting the MPI job (MPI_Abort " + code + ")");
        System.err.flush();
        System.out.flush();
        mpi.lib.MPI_Abort(mpi.commWorld, code);
        Runtime.getRuntime().halt(code);                   // MPI_Abort does not return; in case it did
    }

    @Override
    public String describe() {
        return "MPI rank " + rank + " of " + size + " (" + Mpi.DEFAULT_LIBRARY + ")";
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            IntByReference done = new IntByReference();
            mpi.check(mpi.lib.MPI_Finalized(done), "MPI_Finalized");
            if (done.getValue() == 0) {
                mpi.check(mpi.lib.MPI_Finalize(), "MPI_Finalize");
            }
        }
    }

    private Pointer type(INDArray a) {
        if (a.dataType() == DataType.FLOAT) {
            return mpi.floatType;
        }
        if (a.dataType() == DataType.DOUBLE) {
            return mpi.doubleType;
        }
        throw new IllegalArgumentException("collectives take float32 or float64 arrays, got " + a.dataType());
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("root must be in [0, " + size + "), got " + root);
        }
    }
}
