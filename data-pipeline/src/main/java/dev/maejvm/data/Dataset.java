package dev.maejvm.data;

import java.util.List;

/** Random access to samples; {@link #get} is thread-safe. */
public interface Dataset {
    int size();

    /** @throws BadImageException (unchecked, naming the file) for unreadable input */
    Example get(int index);

    /** 0 when unlabeled. */
    int numClasses();

    List<String> classNames();

    /** What {@link #get} names in its errors for this index: the file, or "file#index". */
    default String source(int index) {
        return describe() + " #" + index;
    }

    /** One line: kind, path, size, classes. */
    String describe();
}
