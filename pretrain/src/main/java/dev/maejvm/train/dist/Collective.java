package dev.maejvm.train.dist;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The collective operations synchronous data-parallel training needs, over a fixed group of
 * processes (ranks 0 .. size - 1) that all make the same calls in the same order. An array
 * argument must be float32 or float64, dense and contiguous (a flat buffer such as
 * {@code ParamStore.values()} or {@code grads()}); implementations read and write its memory in
 * place, without copies. Host memory today ({@link MpiCollective}); a GPU implementation (NCCL on
 * device buffers, or host staging) would implement the same calls.
 *
 * <p>Implementations: {@link SingleProcess} (size 1, every call a no-op) and
 * {@link MpiCollective} (Open MPI's libmpi, one process per rank, launched by mpirun).
 */
public interface Collective extends AutoCloseable {

    /** This process's index, 0 .. size - 1; rank 0 writes checkpoints, logs and tracking. */
    int rank();

    /** The number of processes. */
    int size();

    default boolean isRoot() {
        return rank() == 0;
    }

    /** Replaces {@code array} by its element-wise sum over all ranks; every rank gets the same bits. */
    void allreduceSum(INDArray array);

    /** The same for a small host array (metrics, counters). */
    void allreduceSum(double[] values);

    /** Copies root's {@code array} into every rank's (same type and length on all ranks). */
    void broadcast(INDArray array, int root);

    /** The same for a small host array. */
    void broadcast(double[] values, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /**
     * Ends every process of the job with {@code code} (MPI_Abort), after printing the message on
     * this rank's stderr. Does not return.
     */
    void abort(int code, String message);

    /** One line for logs: implementation, rank and size. */
    String describe();

    /** Leaves the group (MPI_Finalize): after a normal end, on every rank. */
    @Override
    void close();
}
