/**
 * COCO bounding-box evaluation, computed as pycocotools' {@code COCOeval(iouType='bbox')} does
 * (cocoapi commit 8c9bcc3): per image and category matching ({@link ImageMatcher}, cocoeval's
 * {@code evaluateImg}), accumulation into precision and recall tables ({@link Accumulator},
 * {@code accumulate}) and the twelve summary numbers ({@link Summarizer}, {@code summarize}).
 * {@link CocoEvaluator} runs the three. Boxes are in pixels; COCO's files and this package's
 * records use {@code [x, y, w, h]} with (x, y) the top-left corner, unlike the data pipeline's
 * {@link dev.maejvm.data.detection.BoundingBox}, which is xyxy.
 */
package dev.maejvm.finetune.det.eval;
