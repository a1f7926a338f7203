package dev.maejvm.data;

/**
 * One sample of a dataset.
 *
 * @param label class index, -1 when unlabeled
 * @param source the file (or "file.gz#index") it came from, for error messages
 */
public record Example(Image image, int label, String source) {}
