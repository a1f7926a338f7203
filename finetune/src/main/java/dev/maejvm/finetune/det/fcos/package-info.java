/**
 * FCOS (Tian et al.) for a detection head, apart from the network, following detectron2's
 * {@code modeling/meta_arch/fcos.py}.
 *
 * <h2>The head's contract</h2>
 *
 * The head runs once over the rows of all pyramid levels; its outputs are
 * <ul>
 *   <li>{@code [R, K]} class logits (raw; the bias initialised to {@link dev.maejvm.finetune.det.fcos.ClassificationPrior#bias()}),
 *   <li>{@code [R, 4]} box regression: raw (l, t, r, b) deltas in units of the level's stride,
 *       used through a ReLU ({@link dev.maejvm.finetune.det.fcos.BoxCoding}), no per-level scale,
 *   <li>{@code [R, 1]} centerness logits,
 * </ul>
 * float32 (or float64 in gradient checks), rows in the order <b>(level, n, y, x)</b>: level
 * after level (finest first), within a level the channels-last map rows {@code [N*h*w, C]}
 * ordered (n, y, x). {@link dev.maejvm.finetune.det.fcos.AnchorPoints} owns this order (its
 * {@code row(image, point)}); a point of cell (y, x) of stride s is at {@code ((x + 0.5) s, (y + 0.5) s)}.
 *
 * <h2>Training step</h2>
 *
 * <pre>{@code
 * AnchorPoints points = new AnchorPoints(levels, n);
 * FcosTargets t = new FcosTargetAssigner(MatchingConfig.detectron2(levels), BoxCoding.detectron2(), k)
 *         .assign(points, boxesPerImage);                         // categories as class indices [0, K)
 * FcosLoss.Terms loss = FcosLoss.detectron2().forward(logits, box, ctr, t, t.normalizer(), dLogits, dBox, dCtr);
 * }</pre>
 *
 * <h2>Inference</h2>
 *
 * {@link dev.maejvm.finetune.det.fcos.FcosPostProcessor} turns the same three outputs into at most
 * 100 {@link dev.maejvm.finetune.det.fcos.Detection}s per image.
 */
package dev.maejvm.finetune.det.fcos;
