package dev.maejvm.train;

import dev.maejvm.train.dist.Collective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an optimiser step measured over all ranks, from one small allreduce: the examples, the
 * loss and metrics as means over all the examples (each rank's weighted by its examples), and
 * whether any rank was asked to stop (so that all stop at the same step).
 *
 * @param examples examples of the step on all ranks
 * @param loss the mean loss per example over them
 * @param metrics each task metric's mean per example, by name
 * @param stop a stop was requested on some rank
 */
record GlobalStep(double examples, double loss, Map<String, Double> metrics, boolean stop) {

    /**
     * @param weightedMetrics sum over micro-batches of metric x examples, in an order every rank shares (sorted keys)
     */
    static GlobalStep reduce(Collective group, int examples, double weightedLoss, Map<String, Double> weightedMetrics,
                             boolean stop) {
        double[] v = new double[3 + weightedMetrics.size()];
        v[0] = examples;
        v[1] = weightedLoss;
        v[2] = stop ? 1 : 0;
        int k = 3;
        for (double m : weightedMetrics.values()) {
            v[k++] = m;
        }
        group.allreduceSum(v);
        Map<String, Double> metrics = new LinkedHashMap<>();
        k = 3;
        for (String name : weightedMetrics.keySet()) {
            metrics.put(name, v[k++] / v[0]);
        }
        return new GlobalStep(v[0], v[1] / v[0], metrics, v[2] > 0);
    }

    /** An epoch's mean loss per example over all ranks. */
    static double meanLoss(Collective group, double weightedLoss, long examples) {
        double[] v = {weightedLoss, examples};
        group.allreduceSum(v);
        return v[0] / Math.max(1, v[1]);
    }
}
