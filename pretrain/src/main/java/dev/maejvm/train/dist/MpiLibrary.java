package dev.maejvm.train.dist;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The C functions of the MPI standard that data-parallel training calls, bound through JNA to
 * Open MPI's libmpi (Debian's libopenmpi3: {@code libmpi.so.40}). Handles (communicators, types,
 * operations) are Open MPI's: pointers to its global objects such as {@code ompi_mpi_comm_world},
 * taken from the library's symbols by {@link Mpi}. Every function returns an MPI error code
 * (0 is MPI_SUCCESS). Buffers are raw addresses (ND4J's off-heap memory), counts are elements.
 */
public interface MpiLibrary extends Library {
    int MPI_Init(Pointer argc, Pointer argv);

    int MPI_Initialized(IntByReference flag);

    int MPI_Finalized(IntByReference flag);

    int MPI_Comm_rank(Pointer comm, IntByReference rank);

    int MPI_Comm_size(Pointer comm, IntByReference size);

    int MPI_Allreduce(Pointer sendbuf, Pointer recvbuf, int count, Pointer datatype, Pointer op, Pointer comm);

    int MPI_Bcast(Pointer buffer, int count, Pointer datatype, int root, Pointer comm);

    int MPI_Barrier(Pointer comm);

    int MPI_Abort(Pointer comm, int errorcode);

    int MPI_Finalize();

    int MPI_Error_string(int errorcode, byte[] string, IntByReference resultlen);
}
