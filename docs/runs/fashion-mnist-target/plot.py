"""Test top-1 against training compute for the MAE -> fine-tune run and the from-scratch run.

Compute is the analytic count of docs/PERFORMANCE.md (matrix products, a training step 3x the
forward): 0.672 GFLOP per pretraining image at 75 % masking, 1.663 per fine-tuning image, 0.554
per validation image. Usage: plot.py PRETRAIN_LOG FINETUNE_LOG SCRATCH_LOG OUT.png (a log not there yet is left out)
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PRETRAIN, FINETUNE, EVAL = 0.672e9, 1.663e9, 0.554e9
TRAIN_IMAGES, VAL_IMAGES = 60000, 10000


def rows(path):
    return [json.loads(line) for line in open(path) if line.strip()]


pre_log, ft_log, scratch_log, out = sys.argv[1:5]
pre = rows(pre_log)
pre_flop = len(pre) * TRAIN_IMAGES * PRETRAIN
fig, ax = plt.subplots(figsize=(7.5, 4.5))
for path, start, label, style in ((ft_log, pre_flop, f"MAE ({len(pre)} epochs) -> fine-tune", "-o"),
                                  (scratch_log, 0.0, "from scratch, same fine-tuning", "-s")):
    if not os.path.exists(path):            # not run yet
        continue
    r = rows(path)
    x = [(start + (e["epoch"] + 1) * TRAIN_IMAGES * FINETUNE + (i + 1) * VAL_IMAGES * EVAL) / 1e15 for i, e in enumerate(r)]
    ax.plot(x, [e["val_top1"] for e in r], style, label=label)
ax.set_xlim(left=0)
ax.axvline(pre_flop / 1e15, color="gray", lw=0.8, ls=":")
ax.text(pre_flop / 1e15, ax.get_ylim()[0], " end of pretraining", color="gray", fontsize=8, va="bottom")
ax.axhline(93.5, color="red", lw=0.8, ls="--", label="target 93.5 %")
ax.set_xlabel("training compute (PFLOP: pretraining + fine-tuning + evaluation)")
ax.set_ylabel("Fashion-MNIST test top-1 (%)")
ax.set_title("tiny preset: MAE -> fine-tune against from scratch")
ax.grid(alpha=0.3)
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
fig.savefig(out, dpi=110)
