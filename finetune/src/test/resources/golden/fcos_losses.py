#!/usr/bin/python3
"""Golden FCOS targets, losses and gradients for FcosLossesTest, from PyTorch in float64.

Run with Debian's python3-torch: /usr/bin/python3 fcos_losses.py > fcos_losses.json
The formulas are transcribed here (torchvision, fvcore and detectron2 are not installed):
detectron2's DefaultAnchorGenerator (offset 0.5, one square anchor of side = stride per cell),
FCOS._match_anchors / label_anchors, Box2BoxTransformLinear(normalize_by_size=True),
fvcore's sigmoid_focal_loss and giou_loss (eps 1e-7), binary_cross_entropy_with_logits; the three
losses summed and divided by max(1, positives). Gradients by autograd w.r.t. the raw outputs.
Rows are written in the Java order (level, n, y, x); detectron2's tensors are (n, level, y, x).
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

LEVELS = [(8, 6, 8), (16, 3, 4)]  # (stride, h, w): a 48 x 64 input
K = 3
BOXES = [
    [[4.0, 2.0, 30.0, 40.0, 0], [10.0, 12.0, 26.0, 28.0, 2], [20.5, 0.0, 63.0, 47.0, 1]],
    [[0.0, 0.0, 64.0, 48.0, 1], [33.0, 9.0, 45.0, 21.0, 0]],
]
N = len(BOXES)


def anchors_of(stride, h, w):
    xs = torch.arange(0.5 * stride, w * stride, stride)
    ys = torch.arange(0.5 * stride, h * stride, stride)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    cx, cy = xx.reshape(-1), yy.reshape(-1)
    half = stride / 2
    return torch.stack([cx - half, cy - half, cx + half, cy + half], dim=1)


anchors = [anchors_of(*lv) for lv in LEVELS]
counts = [len(a) for a in anchors]
A = torch.cat(anchors)  # (R1, 4), one image
centers = (A[:, :2] + A[:, 2:]) / 2
sizes = A[:, 2] - A[:, 0]


def match(gt):
    lower = sizes * 4
    lower[: counts[0]] = 0
    upper = sizes * 8
    upper[-counts[-1]:] = float("inf")
    g = gt[:, :4]
    gc = (g[:, :2] + g[:, 2:]) / 2
    dist_c = (centers[None] - gc[:, None]).abs().max(dim=2).values
    q = dist_c < 1.5 * sizes[None]
    x, y = centers[:, 0][None], centers[:, 1][None]
    d = torch.stack([x - g[:, 0:1], y - g[:, 1:2], g[:, 2:3] - x, g[:, 3:4] - y], dim=2)  # (M, R1, 4)
    q &= d.min(dim=2).values > 0
    m = d.max(dim=2).values
    q &= (m > lower[None]) & (m < upper[None])
    area = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
    quality = q.to(torch.float64) * (1e8 - area[:, None])
    best, idx = quality.max(dim=0)
    idx[best < 1e-5] = -1
    return idx


def deltas_of(gt_boxes):
    l = centers[:, 0] - gt_boxes[:, 0]
    t = centers[:, 1] - gt_boxes[:, 1]
    r = gt_boxes[:, 2] - centers[:, 0]
    b = gt_boxes[:, 3] - centers[:, 1]
    return torch.stack([l, t, r, b], dim=1) / sizes[:, None]


def apply_deltas(raw):
    d = F.relu(raw) * sizes[:, None]
    return torch.stack([centers[:, 0] - d[:, 0], centers[:, 1] - d[:, 1], centers[:, 0] + d[:, 2], centers[:, 1] + d[:, 3]], dim=1)


def focal(x, t, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t) ** gamma)
    return (alpha * t + (1 - alpha) * (1 - t)) * loss


def giou(b1, b2, eps=1e-7):
    x1, y1, x2, y2 = b1.unbind(-1)
    x1g, y1g, x2g, y2g = b2.unbind(-1)
    xk1, yk1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xk2, yk2 = torch.min(x2, x2g), torch.min(y2, y2g)
    inter = torch.zeros_like(x1)
    mask = (yk2 > yk1) & (xk2 > xk1)
    inter[mask] = ((xk2 - xk1) * (yk2 - yk1))[mask]
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return 1 - (iou - (area_c - union) / (area_c + eps))


R1 = len(A)
labels, gtb = [], []
for boxes in BOXES:
    gt = torch.tensor(boxes)
    idx = match(gt)
    lab = gt[idx.clamp(min=0), 4].long()
    lab[idx < 0] = K
    labels.append(lab)
    gtb.append(gt[idx.clamp(min=0), :4])
labels = torch.stack(labels)  # (N, R1)
gtb = torch.stack(gtb)  # (N, R1, 4)
pos = labels != K
num_pos = int(pos.sum())
norm = max(num_pos, 1)

logits = (2 * torch.randn(N, R1, K)).requires_grad_()
# box outputs: the targets' deltas, perturbed, a few negative (the ReLU's zero gradient)
target_deltas = torch.stack([deltas_of(g) for g in gtb])
raw = torch.where(pos[..., None], target_deltas * torch.exp(0.3 * torch.randn(N, R1, 4)), torch.randn(N, R1, 4))
raw[0, pos[0].nonzero()[0, 0], 1] = -0.3
raw = raw.detach().requires_grad_()
ctr = torch.randn(N, R1, 1).requires_grad_()

onehot = F.one_hot(labels, K + 1)[:, :, :-1].to(torch.float64)
loss_cls = focal(logits, onehot).sum() / norm
pred = torch.stack([apply_deltas(raw[n]) for n in range(N)])
loss_box = giou(pred[pos], gtb[pos]).sum() / norm
lr, tb = target_deltas[..., [0, 2]], target_deltas[..., [1, 3]]
ctr_t = torch.sqrt((lr.min(-1).values / lr.max(-1).values) * (tb.min(-1).values / tb.max(-1).values))
loss_ctr = F.binary_cross_entropy_with_logits(ctr[..., 0][pos], ctr_t[pos], reduction="sum") / norm
(loss_cls + loss_box + loss_ctr).backward()


def rows(t):
    """(N, R1, C) -> (R, C) in (level, n, y, x) order."""
    out, start = [], 0
    for c in counts:
        out.append(t[:, start:start + c].reshape(N * c, -1))
        start += c
    return torch.cat(out)


def flat(t):
    return [float(v) for v in rows(t).reshape(-1)]


classes = rows(torch.where(pos, labels, torch.full_like(labels, -1))[..., None])
print(json.dumps({
    "levels": [list(lv) for lv in LEVELS],
    "numClasses": K,
    "boxes": BOXES,
    "classes": [int(v) for v in classes.reshape(-1)],
    "centernessTargets": flat(torch.where(pos, ctr_t, torch.zeros_like(ctr_t))[..., None]),
    "logits": flat(logits.detach()),
    "boxRegression": flat(raw.detach()),
    "centerness": flat(ctr.detach()),
    "numPositives": num_pos,
    "lossCls": float(loss_cls),
    "lossBox": float(loss_box),
    "lossCtr": float(loss_ctr),
    "dLogits": flat(logits.grad),
    "dBoxRegression": flat(raw.grad),
    "dCenterness": flat(ctr.grad),
}, indent=None))
