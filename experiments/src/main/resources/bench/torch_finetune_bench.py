"""The PyTorch side of `mae bench finetune`: one fine-tuning step of a ViT classifier as MAE's
main_finetune.py runs it (models_vit over timm's layers: patch embedding, cls token, learned
position table, pre-norm blocks with qkv bias, exact GELU and drop path rising linearly to the
given rate, global average pooling of the patch tokens, fc_norm, head), soft-target
cross-entropy on label-smoothed targets, backward, torch.optim.AdamW (betas 0.9, 0.999, weight
decay 0.05) over util/lr_decay.py's param_groups_lrd (layer decay 0.75), on random images.

Self-contained: the Java bench copies this one file from the classpath and runs it with a Python
that has torch (Debian: /usr/bin/python3 with python3-torch). The model's shape comes from the
command line, so any preset of the Java side can be given.

    /usr/bin/python3 torch_finetune_bench.py --img-size 28 --patch-size 4 --in-chans 1 --embed-dim 192 \\
        --depth 12 --num-heads 3 [--steps 10 --warmup 25 --batch 128 --threads 2 --serve]

Prints one JSON line per measurement. With --serve it builds the model once, then reads lines
from stdin: `measure WARMUP STEPS` measures again (the caller alternates with its own), `quit` ends.
"""
import os

# Before torch is imported: Debian's torch otherwise spins its OpenMP threads between ops and
# starves OpenBLAS's on 2 cores (as in torch_mae_bench.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def drop_path(x, p, training):
    """timm's drop_path: a sample's branch is dropped with probability p, else scaled by 1 / (1 - p)."""
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    mask = (keep + torch.rand((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype)).floor_()
    return x.div(keep) * mask


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads, self.scale = num_heads, (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio, drop_path_rate):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, num_heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), Mlp(dim, int(dim * mlp_ratio))
        self.drop_path = drop_path_rate

    def forward(self, x):
        x = x + drop_path(self.attn(self.norm1(x)), self.drop_path, self.training)
        return x + drop_path(self.mlp(self.norm2(x)), self.drop_path, self.training)


class VisionTransformer(nn.Module):
    """models_vit.VisionTransformer(global_pool=True): no final norm, fc_norm after the average."""

    def __init__(self, img_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, num_classes,
                 drop_path_rate):
        super().__init__()
        num_patches = (img_size // patch_size) ** 2
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + num_patches, embed_dim))
        rates = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio, rates[i]) for i in range(depth)])
        self.fc_norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, num_classes)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.head.weight, std=2e-5)  # main_finetune.py
        nn.init.zeros_(self.head.bias)

    def no_weight_decay(self):
        return {"pos_embed", "cls_token", "dist_token"}

    def forward(self, x):
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)  # [N, L, D]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.fc_norm(x[:, 1:, :].mean(dim=1)))


def layer_id(name, num_layers):
    """util/lr_decay.py get_layer_id_for_vit."""
    if name in ("cls_token", "pos_embed") or name.startswith("patch_embed"):
        return 0
    if name.startswith("blocks"):
        return int(name.split(".")[1]) + 1
    return num_layers


def param_groups_lrd(model, lr, weight_decay, layer_decay):
    """util/lr_decay.py param_groups_lrd, with each group's lr = lr * lr_scale set (as lr_sched does)."""
    num_layers = len(model.blocks) + 1
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_decay = p.ndim == 1 or name in model.no_weight_decay()
        lid = layer_id(name, num_layers)
        key = (lid, no_decay)
        if key not in groups:
            scale = layer_decay ** (num_layers - lid)
            groups[key] = {"params": [], "weight_decay": 0.0 if no_decay else weight_decay, "lr_scale": scale,
                           "lr": lr * scale}
        groups[key]["params"].append(p)
    return list(groups.values())


def soft_target_cross_entropy(logits, target):
    """timm's SoftTargetCrossEntropy."""
    return torch.sum(-target * F.log_softmax(logits, dim=-1), dim=-1).mean()


def smoothed_targets(labels, num_classes, smoothing):
    """timm's mixup one_hot with label smoothing (mixup and cutmix off)."""
    off = smoothing / num_classes
    return torch.full((labels.shape[0], num_classes), off).scatter_(1, labels.unsqueeze(1), 1.0 - smoothing + off)


def peak_rss_mb():
    """VmHWM of this process (ru_maxrss carries the parent's across exec on Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("img-size", 28), ("patch-size", 4), ("in-chans", 1), ("embed-dim", 192), ("depth", 12),
                          ("num-heads", 3)):
        ap.add_argument("--" + name, type=int, default=default)
    ap.add_argument("--mlp-ratio", type=float, default=4.0)
    ap.add_argument("--num-classes", type=int, default=10)
    ap.add_argument("--drop-path", type=float, default=0.1)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--layer-decay", type=float, default=0.75)
    ap.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    ap.add_argument("--warmup", type=int, default=25, help="untimed steps first (default 25)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--serve", action="store_true", help="measure on each `measure WARMUP STEPS` line of stdin")
    a = ap.parse_args()
    if a.steps < 1 or a.warmup < 0 or a.batch < 1 or a.threads < 1:
        ap.error("need steps >= 1, warmup >= 0, batch >= 1, threads >= 1")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = VisionTransformer(a.img_size, a.patch_size, a.in_chans, a.embed_dim, a.depth, a.num_heads, a.mlp_ratio,
                              a.num_classes, a.drop_path)
    model.train()
    lr = 1e-3 * a.batch / 256  # official: blr 1e-3, lr = blr * batch / 256
    opt = torch.optim.AdamW(param_groups_lrd(model, lr, 0.05, a.layer_decay), lr=lr, betas=(0.9, 0.999))
    imgs = torch.rand(a.batch, a.in_chans, a.img_size, a.img_size)
    targets = smoothed_targets(torch.randint(0, a.num_classes, (a.batch,)), a.num_classes, a.smoothing)

    def measure(warmup, steps):
        times = []
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            loss = soft_target_cross_entropy(model(imgs), targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
        if not torch.isfinite(loss):
            raise SystemExit(f"non-finite loss {loss.item()}")
        times.sort()
        med = times[len(times) // 2]  # the upper median, as the Java side
        print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                          "img_per_s": a.batch / med, "step_s_median": med, "step_s_best": times[0], "steps": steps,
                          "loss": loss.item(), "peak_rss_mb": peak_rss_mb()}), flush=True)

    if not a.serve:
        measure(a.warmup, a.steps)
        return
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "measure" and len(words) == 3:
            measure(int(words[1]), int(words[2]))
        else:
            print(json.dumps({"error": "unknown command: " + line.strip()}), flush=True)


if __name__ == "__main__":
    main()
