#!/usr/bin/env bash
# The detection measurement of docs/DETECTION.md, as it was run (from the repository root; each
# command resumes its run when started again). The MAE checkpoint is the pretraining of
# docs/runs/detection/pretrain (Fashion-MNIST, tiny preset, blr 1e-3, 6-epoch cosine schedule),
# taken after its 4th epoch (step 1872); the run was stopped there to free the machine.
set -euo pipefail
./mae detect make-scenes --out runs/scenes                                      # 4000 train / 500 test scenes, 128 px
./mae pretrain --epochs 6 --max-steps 0 --warmup-epochs 0.5 --blr 1e-3 --checkpoint-every 1 --recon-images 4 --out runs/det-pre
S=runs/scenes/annotations
COMMON="--data $S/instances_train.json --val-data $S/instances_test.json --input-size 64 --epochs 3 --batch-size 16 --lr 3e-4 --warmup-epochs 0.25"
./mae detect train --from-scratch --preset tiny $COMMON --out runs/det-scratch
./mae detect train --pretrained runs/det-pre/checkpoint-last.safetensors $COMMON --out runs/det-mae
./mae detect eval --checkpoint runs/det-scratch/checkpoint-best.safetensors --out runs/det-scratch/eval
./mae detect eval --checkpoint runs/det-mae/checkpoint-best.safetensors --out runs/det-mae/eval
# The second MAE backbone: pretrained on the scenes' own training images at the detection size (64 px).
./mae pretrain --data runs/scenes/train --preset tiny --set model.encoder.imgHeight=64 --set model.encoder.imgWidth=64 \
  --epochs 8 --warmup-epochs 1 --blr 1e-3 --batch-size 128 --checkpoint-every 2 --recon-images 4 --out runs/det-pre-scenes
./mae detect train --pretrained runs/det-pre-scenes/checkpoint-last.safetensors $COMMON --out runs/det-mae-scenes
./mae detect eval --checkpoint runs/det-mae-scenes/checkpoint-best.safetensors --data $S/instances_test.json --out runs/det-mae-scenes/eval
/usr/bin/python3 docs/runs/detection/plot.py runs/det-scratch/log.txt runs/det-mae/log.txt runs/det-mae-scenes/log.txt docs/runs/detection/ap-vs-epoch.png
