"""AP against epoch (and the images trained on) for the scratch and MAE detection runs, from their log.txt."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

# scratch.log mae.log [mae-scenes.log] out.png
runs = list(zip(sys.argv[1:-1], ["from scratch", "MAE on Fashion-MNIST (28 px)", "MAE on the scenes (64 px)"]))
out = sys.argv[-1]
fig, ax = plt.subplots(figsize=(7, 4.5))
for path, label in runs:
    rows = [json.loads(line) for line in open(path) if line.strip()]
    epochs = [r["epoch"] + 1 for r in rows if "AP" in r]
    for key, style in (("AP", "-o"), ("AP50", "--s")):
        ax.plot(epochs, [r[key] for r in rows if key in r], style, label=f"{label}: {key}")
ax.set_xlabel("epochs of 4000 scenes (batch 16, 250 steps each)")
ax.set_xticks(range(1, 4))
ax.set_ylabel("COCO AP on the 500 test scenes (%)")
ax.set_title("ViTDet + FCOS, tiny preset at 64 px: same budget")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=120)
