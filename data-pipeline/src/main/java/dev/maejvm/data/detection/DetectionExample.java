package dev.maejvm.data.detection;

import dev.maejvm.data.Image;
import java.util.List;

/** One image of a detection set with its objects' boxes (pixel xyxy) and categories; source names the file. */
public record DetectionExample(Image image, List<BoundingBox> boxes, String source) {
    public DetectionExample {
        boxes = List.copyOf(boxes);
    }
}
