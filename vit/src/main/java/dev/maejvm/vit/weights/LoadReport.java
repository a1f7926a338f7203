package dev.maejvm.vit.weights;

import java.util.List;

/**
 * What a lenient weight load did besides copying: the parameters the file lacked (left at their
 * init), the file's keys the model does not have (skipped), the position tables resized.
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> interpolated) {
    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        interpolated = List.copyOf(interpolated);
    }
}
