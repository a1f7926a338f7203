package dev.maejvm.finetune.det.model;

import dev.maejvm.finetune.det.DetectConfig;
import dev.maejvm.vit.model.ViTConfig;
import java.util.List;

/**
 * Analytic forward FLOPs per image of the detector (2 per multiply-add, matrix products only, as
 * {@link dev.maejvm.vit.model.FlopCount}; a training step is 3x): the backbone's blocks (windowed
 * blocks attend within their zero-padded windows, global blocks over the whole map), the pyramid's
 * transposed and plain convolutions, and the head's towers and predictors on every level.
 */
public final class DetectorFlops {
    private DetectorFlops() {}

    public static double forwardPerImage(DetectConfig cfg) {
        ViTConfig enc = cfg.model();
        int h = enc.gridHeight();
        int w = enc.gridWidth();
        double l = (double) h * w;
        double d = enc.embedDim();
        int ws = cfg.windowSize();
        double padded = Math.ceil((double) h / ws) * ws * Math.ceil((double) w / ws) * ws;
        double flops = 2.0 * l * enc.patchDim() * d;                                            // patch embedding
        for (int b = 0; b < enc.depth(); b++) {
            boolean global = cfg.globalBlocks().contains(b);
            double tokens = global ? l : padded;
            flops += tokens * 2 * (4 * d * d) + l * 2 * (2 * enc.mlpRatio() * d * d);          // qkv + proj (windows padded), mlp
            flops += global ? 4 * l * l * d : 4 * padded * ws * ws * d;                        // q k^T and attn v
        }
        int c = cfg.channels();
        List<Double> scales = cfg.pyramidScales();
        double headPerPixel = 2 * (2.0 * cfg.headConvs() * 9 * c * c + 9.0 * c * (cfg.numClasses() + 4 + 1));
        for (double s : scales) {
            double out = l * s * s;                                                             // the level's pixels
            double cin = d;
            if (s == 4) {
                flops += 2 * l * d * 4 * (d / 2) + 2 * (4 * l) * (d / 2) * 4 * (d / 4);
                cin = d / 4;
            } else if (s == 2) {
                flops += 2 * l * d * 4 * (d / 2);
                cin = d / 2;
            }
            flops += 2 * out * cin * c + 2 * out * 9 * c * c;                                  // lateral 1x1, output 3x3
            flops += out * headPerPixel;
        }
        double last = l * scales.get(scales.size() - 1) * scales.get(scales.size() - 1);
        for (int e = 0; e < cfg.extraLevels(); e++) {
            last /= 4;
            flops += last * headPerPixel;
        }
        return flops;
    }
}
