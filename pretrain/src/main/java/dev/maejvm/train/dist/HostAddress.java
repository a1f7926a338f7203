package dev.maejvm.train.dist;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Where an ND4J array's first element lies in host memory, for handing it to C without a copy. */
final class HostAddress {
    private HostAddress() {}

    /**
     * The address of element 0 of a dense, contiguous host array (a flat buffer or a contiguous
     * view of one): the buffer's address plus the view's offset in bytes.
     *
     * @throws IllegalArgumentException for a strided view, a non-host buffer or an empty array
     */
    static long of(INDArray a) {
        if (a.isEmpty() || a.length() == 0) {
            throw new IllegalArgumentException("an empty array has no memory to reduce");
        }
        if (a.length() > 1 && (a.elementWiseStride() != 1 || !a.isVectorOrScalar() && a.ordering() != 'c')) {
            throw new IllegalArgumentException("collectives need a contiguous array (element-wise stride 1), got strides "
                    + java.util.Arrays.toString(a.stride()) + " for shape " + java.util.Arrays.toString(a.shape()));
        }
        long address = a.data().address();
        if (address == 0) {
            throw new IllegalArgumentException("the array has no host memory (a device buffer?)");
        }
        return address + a.offset() * a.data().getElementSize();
    }
}
