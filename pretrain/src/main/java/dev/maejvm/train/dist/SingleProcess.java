package dev.maejvm.train.dist;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The group of one: every collective is the identity (a plain, non-distributed run). */
public final class SingleProcess implements Collective {
    public static final SingleProcess INSTANCE = new SingleProcess();

    private SingleProcess() {}

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allreduceSum(INDArray array) {}

    @Override
    public void allreduceSum(double[] values) {}

    @Override
    public void broadcast(INDArray array, int root) {
        checkRoot(root);
    }

    @Override
    public void broadcast(double[] values, int root) {
        checkRoot(root);
    }

    @Override
    public void barrier() {}

    @Override
    public void abort(int code, String message) {
        System.err.println(message);
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    @Override
    public String describe() {
        return "single process";
    }

    @Override
    public void close() {}

    private static void checkRoot(int root) {
        if (root != 0) {
            throw new IllegalArgumentException("root must be 0 in a single process, got " + root);
        }
    }
}
