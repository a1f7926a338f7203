package dev.maejvm.data.loader;

/**
 * One process's part of every batch in synchronous data-parallel training: a batch of n samples
 * is cut into {@code worldSize} contiguous parts, part r being samples [floor(n r / W),
 * floor(n (r + 1) / W)); parts differ in size by at most one (a batch of 8 over 3 processes:
 * 2, 3, 3), and together they are the batch, in order.
 *
 * @param rank this process's part, 0 .. worldSize - 1
 * @param worldSize the number of processes
 */
public record BatchSplit(int rank, int worldSize) {
    public static final BatchSplit WHOLE = new BatchSplit(0, 1);

    public BatchSplit {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("split rank " + rank + " must be in [0, worldSize " + worldSize + ")");
        }
    }

    /** The first sample of this part in a batch of {@code n}. */
    public int from(int n) {
        return (int) ((long) n * rank / worldSize);
    }

    /** One past the last sample of this part in a batch of {@code n}. */
    public int to(int n) {
        return (int) ((long) n * (rank + 1) / worldSize);
    }

    /** The samples of this part in a batch of {@code n}. */
    public int size(int n) {
        return to(n) - from(n);
    }
}
