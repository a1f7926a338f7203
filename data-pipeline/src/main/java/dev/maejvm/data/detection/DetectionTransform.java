package dev.maejvm.data.detection;

import java.util.random.RandomGenerator;

/** A transform of an image and its boxes together: the boxes move with the pixels. */
@FunctionalInterface
public interface DetectionTransform {
    DetectionExample apply(DetectionExample example, RandomGenerator rng);

    default DetectionTransform then(DetectionTransform next) {
        return (ex, rng) -> next.apply(apply(ex, rng), rng);
    }
}
