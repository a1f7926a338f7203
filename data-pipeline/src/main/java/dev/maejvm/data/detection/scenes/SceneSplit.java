package dev.maejvm.data.detection.scenes;

/** The two splits of the benchmark; each draws its items from the Fashion-MNIST set of the same name. */
public enum SceneSplit {
    TRAIN,
    TEST;

    /** "train" or "test": the images folder's name and the annotations file's {@code instances_<name>.json}. */
    public String folder() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public String annotationsFile() {
        return "instances_" + folder() + ".json";
    }
}
