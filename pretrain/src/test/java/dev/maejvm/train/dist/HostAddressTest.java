package dev.maejvm.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The address handed to MPI is where the array's elements are, for flat buffers and their contiguous views. */
class HostAddressTest {

    @Test
    void flatBuffersAndContiguousViewsAreAddressedWhereTheirElementsLie() {
        INDArray flat = Nd4j.arange(0, 20).castTo(DataType.FLOAT);
        assertEquals(0f, new Pointer(HostAddress.of(flat)).getFloat(0));
        INDArray view = flat.get(NDArrayIndex.interval(5, 12));
        Pointer p = new Pointer(HostAddress.of(view));
        for (int i = 0; i < 7; i++) {
            assertEquals(5f + i, p.getFloat(4L * i), "element " + i + " of the view");
        }
        INDArray matrix = flat.get(NDArrayIndex.interval(8, 14)).reshape(2, 3);     // a parameter's shaped view
        p = new Pointer(HostAddress.of(matrix));
        p.setFloat(4L * 4, -1f);                                                       // [1, 1]
        assertEquals(-1f, matrix.getFloat(1, 1));
        assertEquals(-1f, flat.getFloat(12));
        INDArray doubles = Nd4j.arange(0, 6).castTo(DataType.DOUBLE).get(NDArrayIndex.interval(2, 6));
        assertEquals(2.0, new Pointer(HostAddress.of(doubles)).getDouble(0));
    }

    @Test
    void stridedViewsAreRefused() {
        INDArray m = Nd4j.arange(0, 12).castTo(DataType.FLOAT).reshape(3, 4);
        INDArray column = m.get(NDArrayIndex.all(), NDArrayIndex.point(1));
        assertThrows(IllegalArgumentException.class, () -> HostAddress.of(column));
    }

    @Test
    void aLauncherIsRecognisedByItsVariablesUnlessSwitchedOff() {
        assertTrue(World.launched(Map.of("OMPI_COMM_WORLD_RANK", "0")));
        assertTrue(World.launched(Map.of("PMIX_RANK", "3")));
        assertFalse(World.launched(Map.of("OMPI_COMM_WORLD_RANK", "0", World.SWITCH, "0")));
        assertFalse(World.launched(Map.of("HOME", "/root")));
        assertEquals(1, World.current().size(), "nothing opened in a plain JVM");
    }
}
