package dev.maejvm.vit.testing;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Deterministic float64 test arrays (java.util.Random, independent of ND4J's generator). */
public final class Arrays64 {
    private Arrays64() {}

    public static INDArray normal(Random rng, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        INDArray flat = a.reshape(a.length());
        for (long i = 0; i < a.length(); i++) {
            flat.putScalar(i, rng.nextGaussian());
        }
        return a;
    }

    /** sum(a * b) in double. */
    public static double dot(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).mul(b.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
    }

    /** Largest |a - b| with its flat index, for failure messages. */
    public static String worstDiff(INDArray a, INDArray b) {
        INDArray fa = a.castTo(DataType.DOUBLE).reshape(a.length());
        INDArray fb = b.castTo(DataType.DOUBLE).reshape(b.length());
        double worst = -1;
        long at = -1;
        for (long i = 0; i < fa.length(); i++) {
            double d = Math.abs(fa.getDouble(i) - fb.getDouble(i));
            if (d > worst || Double.isNaN(d)) {
                worst = d;
                at = i;
            }
        }
        return "max |diff| " + worst + " at flat index " + at + " (" + fa.getDouble(at) + " vs " + fb.getDouble(at) + ")";
    }

    public static double maxAbsDiff(INDArray a, INDArray b) {
        return Transforms.maxAbsDiff(a, b);
    }

    private static final class Transforms {
        static double maxAbsDiff(INDArray a, INDArray b) {
            INDArray d = a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE));
            return org.nd4j.linalg.ops.transforms.Transforms.abs(d).maxNumber().doubleValue();
        }
    }
}
