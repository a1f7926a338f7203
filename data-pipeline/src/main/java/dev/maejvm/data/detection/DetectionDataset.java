package dev.maejvm.data.detection;

import dev.maejvm.data.Dataset;
import java.util.Map;

/** A dataset whose images have boxes; as a plain {@link Dataset} it gives the images unlabeled (for pretraining). */
public interface DetectionDataset extends Dataset {
    /** @throws dev.maejvm.data.BadImageException naming the file when the image cannot be read */
    DetectionExample detection(int index);

    /** Category id to name, in id order. */
    Map<Integer, String> categories();
}
