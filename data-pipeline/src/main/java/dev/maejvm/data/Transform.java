package dev.maejvm.data;

import java.util.random.RandomGenerator;

/** An image transform; random ones draw only from the given source (never a global one). */
@FunctionalInterface
public interface Transform {
    Image apply(Image image, RandomGenerator rng);

    default Transform then(Transform next) {
        return (img, rng) -> next.apply(apply(img, rng), rng);
    }
}
