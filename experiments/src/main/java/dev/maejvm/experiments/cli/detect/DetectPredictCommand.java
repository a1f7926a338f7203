package dev.maejvm.experiments.cli.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maejvm.data.Image;
import dev.maejvm.data.decode.ImageDecoder;
import dev.maejvm.data.detection.BoundingBox;
import dev.maejvm.data.detection.DetectionExample;
import dev.maejvm.data.detection.DetectionTransform;
import dev.maejvm.finetune.det.CategoryMap;
import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.finetune.det.EvalGeometry;
import dev.maejvm.finetune.det.DetectionData;
import dev.maejvm.finetune.det.DetectionPicture;
import dev.maejvm.finetune.det.DetectorCheckpoint;
import dev.maejvm.finetune.det.fcos.AnchorPoints;
import dev.maejvm.finetune.det.fcos.BoxCoding;
import dev.maejvm.finetune.det.fcos.Detection;
import dev.maejvm.finetune.det.fcos.FcosPostProcessor;
import dev.maejvm.finetune.det.fcos.InferenceConfig;
import dev.maejvm.finetune.det.model.FcosHead;
import dev.maejvm.vit.engine.Ctx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mae detect predict}: a detection checkpoint on image files: {@code detections.json} (COCO
 * results, category_id the training set's, with each image's file name and the category's name;
 * image_id = its 1-based position in the list) and a picture of each image with its detections.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Detect objects in image files with a ./mae detect train checkpoint: detections.json (COCO results "
            + "format, with file names) and a picture per image.")
public final class DetectPredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./mae detect train.")
    Path checkpoint;

    @Option(names = "--images", required = true, split = ",", description = "Image files, or a folder of them (comma-separated).")
    List<Path> images;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Option(names = "--score", defaultValue = "0.3", description = "Lowest score written and drawn. Default: ${DEFAULT-VALUE}.")
    double score;

    @Option(names = "--pictures", defaultValue = "16", description = "Pictures of at most this many images. Default: ${DEFAULT-VALUE}.")
    int pictures;

    @Override
    public Integer call() throws Exception {
        DetectorCheckpoint.Loaded loaded = DetectorCheckpoint.load(checkpoint);
        DetectConfig cfg = loaded.config();
        float[] mean = loaded.info().mean();
        float[] std = loaded.info().std();
        List<Path> files = files();
        DetectionTransform fit = DetectionData.evaluationTransform(cfg, mean, std);
        var categories = cfg.categories();
        List<String> names = categories.map(CategoryMap::names).orElseGet(() -> classNames(cfg));
        FcosPostProcessor post = new FcosPostProcessor(new InferenceConfig(Math.max(score, cfg.scoreThreshold()),
                cfg.topkCandidates(), cfg.nmsThreshold(), cfg.maxDetections()), BoxCoding.detectron2());
        ImageDecoder decoder = new ImageDecoder();
        List<Map<String, Object>> results = new ArrayList<>();
        Files.createDirectories(out);
        for (int start = 0; start < files.size(); start += cfg.batchSize()) {
            List<Path> chunk = files.subList(start, Math.min(files.size(), start + cfg.batchSize()));
            List<Image> originals = new ArrayList<>();
            List<INDArray> inputs = new ArrayList<>();
            for (Path f : chunk) {
                Image img = decoder.decode(f);
                originals.add(img);
                Image in = fit.apply(new DetectionExample(img, List.of(), f.toString()), null).image();
                inputs.add(Nd4j.create(in.pixels(), new long[] {1, in.channels(), in.height(), in.width()}, 'c'));
            }
            INDArray batch = Nd4j.concat(0, inputs.toArray(INDArray[]::new));
            FcosHead.Outputs o = loaded.model().forward(batch, Ctx.eval());
            List<EvalGeometry> geometry = originals.stream().map(img -> EvalGeometry.of(cfg, img.width(), img.height())).toList();
            List<List<Detection>> predicted = post.apply(o.logits(), o.boxes(), o.centerness(), new AnchorPoints(loaded.model().levels(),
                    chunk.size()), geometry.stream().map(EvalGeometry::inInput).toList());
            for (int i = 0; i < chunk.size(); i++) {
                for (Detection d : predicted.get(i)) {
                    var box = geometry.get(i).toImage(d.box());
                    if (box.isEmpty()) {
                        continue;
                    }
                    BoundingBox b = box.get();
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("image_id", start + i + 1);
                    r.put("file_name", chunk.get(i).toString());
                    r.put("category_id", categories.map(c -> c.id(b.category())).orElse(b.category()));
                    r.put("category", names.get(b.category()));
                    r.put("bbox", List.of(b.x0(), b.y0(), b.width(), b.height()));
                    r.put("score", d.score());
                    results.add(r);
                }
                if (start + i < pictures) {
                    DetectionPicture.write(DetectionPicture.render(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)),
                            List.of(List.of()), List.of(predicted.get(i)), names, mean, std, 4, 1, score),
                            out.resolve(chunk.get(i).getFileName().toString().replaceAll("\\.[^.]+$", "") + "-detections.png"));
                }
            }
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("detections.json").toFile(), results);
        System.err.printf("mae detect predict: %d images, %d detections (score >= %s): %s%n", files.size(), results.size(), score,
                out.resolve("detections.json"));
        return 0;
    }

    /** The head's class indices as labels, for a checkpoint that did not record its categories. */
    private static List<String> classNames(DetectConfig cfg) {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < cfg.numClasses(); i++) {
            n.add("class " + i);
        }
        return n;
    }

    private List<Path> files() throws java.io.IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : images) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(f -> f.toString().matches("(?i).*\\.(png|jpe?g|bmp|gif|tiff?|p[bgp]m)$"))
                            .sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("--images " + p + ": no such file or folder");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--images " + images + ": no image files");
        }
        return out;
    }
}
