#!/usr/bin/env bash
# The short-budget Fashion-MNIST transfer measurement of docs/FINETUNE.md, as it was run (from the
# repository root; each command resumes its run when started again).
set -euo pipefail
R=runs/fashion-mnist-short
./mae pretrain --epochs 4 --max-steps 0 --warmup-epochs 0.5 --blr 1e-3 --checkpoint-every 1 --recon-images 4 --out $R/pre
P=$R/pre/checkpoint-last.safetensors
./mae finetune --pretrained $P --epochs 1 --warmup-epochs 0.1 --out $R/ft
./mae finetune --from-scratch --preset tiny --epochs 1 --warmup-epochs 0.1 --out $R/scratch
./mae linprobe --pretrained $P --out $R/lp
./mae knn --checkpoint $P --train-limit 20000 --out $R/knn.json
