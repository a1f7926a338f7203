package dev.maejvm.vit.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.engine.Ctx;
import dev.maejvm.vit.engine.Param;
import dev.maejvm.vit.engine.ParamStore;
import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.testing.Arrays64;
import dev.maejvm.vit.testing.GradCheck;
import dev.maejvm.vit.weights.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BatchNorm1d against torch.nn.BatchNorm1d in float64 (torch 1.13; the values below are its
 * outputs, printed with repr), its backward against finite differences in training mode, the
 * layer contract and its buffers in state dicts.
 */
class BatchNorm1dTest {
    /** float64 against torch's float64: both do the same few sums of 5 rows; 1e-12 is ~1e4 ulps of O(1) values. */
    private static final double TOL = 1e-12;
    private static final Ctx TRAIN = Ctx.train(new SplittableRandom(0));

    @TempDir
    Path dir;

    private static final double[][] X1 = {{0.5, -1.25, 3.0}, {1.5, 0.75, -2.0}, {-0.25, 2.0, 1.0}, {2.25, -0.5, 0.5},
        {0.0, 1.0, -1.5}};
    private static final double[][] X2 = {{1.0, 0.0, 2.5}, {-1.0, 3.5, -0.5}, {0.75, -2.25, 1.25}, {3.0, 1.5, 0.0}};
    private static final double[][] X3 = {{0.25, 0.5, -1.0}, {2.0, -1.0, 4.0}};
    private static final double[] WEIGHT = {0.5, -1.5, 2.0};
    private static final double[] BIAS = {0.1, 0.2, -0.3};

    // torch.nn.BatchNorm1d(3, eps=1e-6).double(), weight and bias as above: train on X1, train on X2, eval on X3
    private static final double[] Y1 = {-0.05944811095216712, 2.3583017443279948, 2.801552667783357, 0.4720455922217232,
        -0.2578215821301806, -2.736934238972638, -0.4580683883325849, -1.89289866116654, 0.5861579050809592,
        0.870665869602141, 1.3772554969061788, 0.03230921440535972, -0.3251949625391123, -0.5848369979374525,
        -2.183085548297038};
    private static final double[] RM1 = {0.08000000000000002, 0.04000000000000001, 0.020000000000000004};
    private static final double[] RV1 = {1.010625, 1.064375, 1.3075};
    private static final double[] Y2 = {0.12203262698589187, 0.6906282970698403, 2.5988708169891943, -0.583011436562648,
        -1.8071157607402557, -2.5546773021027067, 0.03390211904232439, 2.296320905662045, 0.4515591007009022,
        0.8270766905344318, -0.37983344199162944, -1.6957526155873899};
    private static final double[] RM2 = {0.16575, 0.10475000000000001, 0.09925};
    private static final double[] RV2 = {1.1777916666666668, 1.5470000000000002, 1.3574791666666668};
    private static final double[] Y3 = {0.13881552735229308, -0.2766700227027415, -2.1869470930127854,
        0.9450727720586772, 1.5323243708560499, 6.3959371144595165};
    // torch.nn.BatchNorm1d(3, eps=1e-6, affine=False), train on X1
    private static final double[] Y1_PLAIN = {-0.3188962219043342, -1.4388678295519963, 1.5507763338916787,
        0.7440911844434465, 0.305214388086787, -1.2184671194863188, -1.1161367766651697, 1.3952657741110266,
        0.4430789525404796, 1.541331739204282, -0.7848369979374525, 0.16615460720267983, -0.8503899250782245,
        0.523224665291635, -0.9415427741485192};

    private static double[] flat(INDArray a) {
        return a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
    }

    private static INDArray x(double[][] rows) {
        return Nd4j.createFromArray(rows);
    }

    private static BatchNorm1d affine(ParamStore store) {
        BatchNorm1d bn = new BatchNorm1d(store, "head.0", 3, BatchNorm1d.LINPROBE_EPS, true);
        store.build(1);
        store.get("head.0.weight").value().assign(Nd4j.createFromArray(WEIGHT));
        store.get("head.0.bias").value().assign(Nd4j.createFromArray(BIAS));
        return bn;
    }

    @Test
    void trainingUsesBatchStatisticsAndUpdatesRunningOnesEvaluationUsesThem() {
        BatchNorm1d bn = affine(new ParamStore(DataType.DOUBLE));
        assertArrayEquals(new double[] {0, 0, 0}, flat(bn.runningMean()), 0.0, "torch's initial running mean");
        assertArrayEquals(new double[] {1, 1, 1}, flat(bn.runningVar()), 0.0, "torch's initial running var");
        INDArray dy = Nd4j.zeros(DataType.DOUBLE, 5, 3);

        assertArrayEquals(Y1, flat(bn.forward(x(X1), TRAIN)), TOL, "train on X1");
        bn.backward(dy);
        assertArrayEquals(RM1, flat(bn.runningMean()), TOL, "running mean after X1");
        assertArrayEquals(RV1, flat(bn.runningVar()), TOL, "running var after X1 (momentum 0.1, unbiased)");

        assertArrayEquals(Y2, flat(bn.forward(x(X2), TRAIN)), TOL, "train on X2");
        bn.backward(dy.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).dup());
        assertArrayEquals(RM2, flat(bn.runningMean()), TOL);
        assertArrayEquals(RV2, flat(bn.runningVar()), TOL);
        assertEquals(2, bn.numBatchesTracked());

        assertArrayEquals(Y3, flat(bn.forward(x(X3), Ctx.eval())), TOL, "eval on X3 with the running statistics");
        assertArrayEquals(RM2, flat(bn.runningMean()), 0.0, "evaluation updates nothing");
        assertArrayEquals(RV2, flat(bn.runningVar()), 0.0);
        assertEquals(2, bn.numBatchesTracked());
    }

    @Test
    void withoutAffineItHasNoParametersAndNormalisesOnly() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        BatchNorm1d bn = new BatchNorm1d(store, "head.0", 3, BatchNorm1d.LINPROBE_EPS, false);
        store.build(1);
        assertFalse(bn.affine());
        assertEquals(0, store.size());
        assertArrayEquals(Y1_PLAIN, flat(bn.forward(x(X1), TRAIN)), TOL);
        assertArrayEquals(RM1, flat(bn.runningMean()), TOL);
        assertArrayEquals(RV1, flat(bn.runningVar()), TOL);
    }

    /** The eval formula by hand in double from the running statistics, on a float32 layer (float rounding: 1e-5). */
    @Test
    void evaluationIsTheRunningStatisticsFormulaInFloat32() {
        ParamStore store = new ParamStore(DataType.FLOAT);
        BatchNorm1d bn = new BatchNorm1d(store, "bn", 3, 1e-5, true);
        store.build(1);
        store.get("bn.weight").value().assign(Nd4j.createFromArray(WEIGHT).castTo(DataType.FLOAT));
        store.get("bn.bias").value().assign(Nd4j.createFromArray(BIAS).castTo(DataType.FLOAT));
        double[] rm = {0.5, -1, 2};
        double[] rv = {0.25, 4, 1e-3};
        bn.runningMean().assign(Nd4j.createFromArray(rm).castTo(DataType.FLOAT));
        bn.runningVar().assign(Nd4j.createFromArray(rv).castTo(DataType.FLOAT));
        double[] y = flat(bn.forward(x(X1).castTo(DataType.FLOAT), Ctx.eval()));
        for (int i = 0; i < X1.length; i++) {
            for (int j = 0; j < 3; j++) {
                double expected = (X1[i][j] - rm[j]) / Math.sqrt(rv[j] + 1e-5) * WEIGHT[j] + BIAS[j];
                assertEquals(expected, y[i * 3 + j], 1e-5 * Math.max(1, Math.abs(expected)), "y[" + i + ", " + j + "]");
            }
        }
        assertEquals(0, bn.numBatchesTracked());
    }

    /** Finite differences of L = sum(y * R) through training passes: the batch statistics are part of the function. */
    @Test
    void gradientThroughTheBatchStatistics() {
        for (boolean affine : new boolean[] {true, false}) {
            ParamStore store = new ParamStore(DataType.DOUBLE);
            BatchNorm1d bn = new BatchNorm1d(store, "bn", 4, BatchNorm1d.LINPROBE_EPS, affine);
            store.build(1);
            Random rng = new Random(3);
            if (affine) {
                store.values().addi(Arrays64.normal(rng, store.size()).muli(0.5));
            }
            INDArray x = Arrays64.normal(rng, 6, 4).muli(2).addi(0.5);
            INDArray r = Arrays64.normal(rng, 6, 4);
            bn.forward(x, TRAIN);
            store.zeroGrads();
            INDArray dx = bn.backward(r).dup();
            INDArray zeros = Nd4j.zeros(DataType.DOUBLE, 6, 4);
            // each objective is a training pass (batch statistics), followed by a zero backward as the contract demands
            DoubleSupplier loss = () -> {
                double l = Arrays64.dot(bn.forward(x, TRAIN), r);
                bn.backward(zeros);
                return l;
            };
            String what = affine ? "batchnorm affine" : "batchnorm";
            GradCheck.check(what + " input", x, dx, loss, 60, 1);
            for (Param p : store.params()) {
                GradCheck.check(what + " " + p.name(), p.value(), p.grad().dup(), loss, 60, 2);
            }
            assertTrue(dx.sum(0).amaxNumber().doubleValue() < 1e-12, "dx sums to 0 over the batch, per feature");
        }
    }

    @Test
    void aSecondTrainingForwardBeforeTheBackwardThrows() {
        ParamStore store = new ParamStore(DataType.DOUBLE);
        BatchNorm1d bn = new BatchNorm1d(store, "head.0", 3, BatchNorm1d.LINPROBE_EPS, false);
        store.build(1);
        INDArray dy = Nd4j.ones(DataType.DOUBLE, 5, 3);
        assertThrows(IllegalStateException.class, () -> bn.backward(dy), "never ran");
        bn.forward(x(X1), TRAIN);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bn.forward(x(X1), TRAIN));
        assertTrue(e.getMessage().contains("head.0") && e.getMessage().contains("second training forward"), e.getMessage());
        bn.forward(x(X1), Ctx.eval());
        assertThrows(IllegalStateException.class, () -> bn.backward(dy), "an evaluation pass came between");
        bn.forward(x(X1), TRAIN);
        assertDoesNotThrow(() -> bn.backward(dy));
        assertThrows(IllegalArgumentException.class, () -> bn.forward(x(new double[][] {{1, 2, 3}}), TRAIN),
                "one row has no batch variance");
        assertDoesNotThrow(() -> bn.forward(x(new double[][] {{1, 2, 3}}), Ctx.eval()), "but evaluates");
    }

    @Test
    void buffersAreInTheStateDictWithTorchNamesAndLoadBack() throws IOException {
        ParamStore store = new ParamStore(DataType.FLOAT);
        BatchNorm1d bn = new BatchNorm1d(store, "head.0", 3, BatchNorm1d.LINPROBE_EPS, true);
        store.build(1);
        bn.forward(x(X1).castTo(DataType.FLOAT), TRAIN);
        Map<String, INDArray> sd = StateDict.of(store);
        assertEquals(List.of("head.0.weight", "head.0.bias", "head.0.running_mean", "head.0.running_var",
                "head.0.num_batches_tracked"), List.copyOf(sd.keySet()), "torch's state_dict keys, in its order");
        assertTrue(sd.get("head.0.running_mean") == bn.runningMean(), "a live buffer");
        INDArray count = sd.get("head.0.num_batches_tracked");
        assertEquals(DataType.LONG, count.dataType(), "int64 as torch's");
        assertEquals(0, count.rank(), "a scalar as torch's");
        assertEquals(1, count.getLong(0));
        assertFalse(store.isFormula("head.0.running_var"), "running statistics are loaded, not a formula");

        Path file = dir.resolve("bn.safetensors");
        SafeTensors.write(file, sd, Map.of());
        ParamStore other = new ParamStore(DataType.FLOAT);
        BatchNorm1d bn2 = new BatchNorm1d(other, "head.0", 3, BatchNorm1d.LINPROBE_EPS, true);
        other.build(2);
        StateDict.load(file, "", other, true);
        assertArrayEquals(flat(bn.runningMean()), flat(bn2.runningMean()), 0.0);
        assertArrayEquals(flat(bn.runningVar()), flat(bn2.runningVar()), 0.0);
        assertEquals(1, bn2.numBatchesTracked());
        assertEquals(DataType.LONG, other.buffers().get("head.0.num_batches_tracked").dataType());
    }
}
