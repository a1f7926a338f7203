"""The PyTorch side of `mae bench model`: trains the tiny MAE preset (28x28x1, patch 4, encoder
192-d x 12 blocks x 3 heads, decoder 128-d x 4 blocks x 4 heads, MLP ratio 4, pixel targets)
with AdamW on random images and prints one JSON line per mask ratio.

Self-contained: the Java bench copies this one file from the classpath and runs it with a Python
that has torch (Debian: /usr/bin/python3 with python3-torch). The model is the one of
vit/src/test/python/mae_reference.py (facebookresearch/mae models_mae.py over timm 0.3.2 layers),
inlined; vit/src/test/python/check_bench_model.py checks that the two agree.

    /usr/bin/python3 torch_mae_bench.py --steps 10 --warmup 25 [--threads 2] [--mask-ratio 0.75 --mask-ratio 0]
"""
import os

# Before torch is imported: Debian's torch otherwise spins its OpenMP threads between ops and
# starves OpenBLAS's on 2 cores, running at about half speed (seen on the project's 2-core
# machines with Debian 12's python3-torch 1.13).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

TINY = dict(img_size=28, patch_size=4, in_chans=1, embed_dim=192, depth=12, num_heads=3,
            decoder_embed_dim=128, decoder_depth=4, decoder_num_heads=4, mlp_ratio=4.0)


def sincos_2d(dim, grid_size):
    """Official get_2d_sincos_pos_embed(dim, grid_size, cls_token=True): [1 + g*g, dim]."""
    grid = np.stack(np.meshgrid(np.arange(grid_size, dtype=np.float32), np.arange(grid_size, dtype=np.float32)))
    halves = []
    for pos in (grid[0].reshape(-1), grid[1].reshape(-1)):  # w first, as the official code
        omega = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4.0))
        out = np.einsum("m,d->md", pos, omega)
        halves.append(np.concatenate([np.sin(out), np.cos(out)], axis=1))
    return np.concatenate([np.zeros([1, dim]), np.concatenate(halves, axis=1)], axis=0)


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
    def __init__(self, dim, num_heads, mlp_ratio):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, num_heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [N, L, D]


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim, depth, num_heads, decoder_embed_dim,
                 decoder_depth, decoder_num_heads, mlp_ratio, norm_pix_loss=False):
        super().__init__()
        g = img_size // patch_size
        self.p, self.num_patches, self.norm_pix_loss = patch_size, g * g, norm_pix_loss
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.from_numpy(sincos_2d(embed_dim, g)).float().unsqueeze(0), requires_grad=False)
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.from_numpy(sincos_2d(decoder_embed_dim, g)).float().unsqueeze(0),
                                              requires_grad=False)
        self.decoder_blocks = nn.ModuleList(
            [Block(decoder_embed_dim, decoder_num_heads, mlp_ratio) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)
        # official init: patch embedding and Linear weights xavier-uniform, Linear biases 0, tokens N(0, .02)
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def patchify(self, imgs):  # [N, C, H, W] -> [N, L, p*p*C], a patch as (p, q, c)
        n, c, h, p = imgs.shape[0], imgs.shape[1], imgs.shape[2] // self.p, self.p
        x = torch.einsum("nchpwq->nhwpqc", imgs.reshape(n, c, h, p, h, p))
        return x.reshape(n, h * h, p * p * c)

    def forward(self, imgs, mask_ratio, noise):
        """Returns loss, pred, mask. With nothing masked (ratio 0) the official loss is 0/0; the
        loss is then the mean over all patches (as mae-jvm does), the same work either way."""
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:, :]
        N, L, D = x.shape
        keep = int(L * (1 - mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)  # small noise is kept
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        x = torch.gather(x, 1, ids_shuffle[:, :keep].unsqueeze(-1).repeat(1, 1, D))
        mask = torch.ones([N, L], dtype=x.dtype)  # 0 = keep, 1 = remove
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        x = torch.cat([(self.cls_token + self.pos_embed[:, :1, :]).expand(N, -1, -1), x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        x = self.decoder_embed(self.norm(x))
        x_ = torch.cat([x[:, 1:, :], self.mask_token.repeat(N, L + 1 - x.shape[1], 1)], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        x = torch.cat([x[:, :1, :], x_], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        pred = self.decoder_pred(self.decoder_norm(x))[:, 1:, :]
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(dim=-1)
        loss = (loss * mask).sum() / mask.sum() if keep < L else loss.mean()
        return loss, pred, mask


def param_groups(model, weight_decay):
    """As the official pretraining (timm optim_factory.add_weight_decay): no decay on biases and 1-D params."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    return [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": weight_decay}]


def peak_rss_mb():
    """VmHWM of this process. ru_maxrss is not used for the figure: Linux carries it across exec,
    so in a child started by a big process (the JVM) it reports the parent's high-water mark."""
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
    ap.add_argument("--steps", type=int, default=10, help="timed steps per mask ratio (default 10)")
    ap.add_argument("--warmup", type=int, default=25, help="untimed steps first (default 25, as ./mae bench)")
    ap.add_argument("--batch", type=int, default=128, help="images per step (default 128)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    ap.add_argument("--mask-ratio", type=float, action="append", help="repeatable (default 0.75 and 0.0)")
    ap.add_argument("--mask-ratios", help="comma-separated, as an alternative to --mask-ratio")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ratios = a.mask_ratio or ([float(r) for r in a.mask_ratios.split(",")] if a.mask_ratios else [0.75, 0.0])
    if a.steps < 1 or a.warmup < 0 or a.batch < 1 or a.threads < 1 or any(not 0 <= r < 1 for r in ratios):
        ap.error("need steps >= 1, warmup >= 0, batch >= 1, threads >= 1 and 0 <= mask ratio < 1")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = MaskedAutoencoderViT(**TINY)
    blr, betas, wd = 1.5e-4, (0.9, 0.95), 0.05  # official: lr = blr * batch / 256
    opt = torch.optim.AdamW(param_groups(model, wd), lr=blr * a.batch / 256, betas=betas)
    imgs = torch.rand(a.batch, 1, TINY["img_size"], TINY["img_size"])
    num_patches = model.num_patches
    for ratio in ratios:
        times = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            loss, _, _ = model(imgs, ratio, torch.rand(a.batch, num_patches))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i >= a.warmup:
                times.append(time.perf_counter() - t0)
        if not torch.isfinite(loss):
            raise SystemExit(f"non-finite loss {loss.item()} at mask ratio {ratio}")
        times.sort()
        med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
        print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": a.threads, "mask_ratio": ratio,
                          "batch": a.batch, "img_per_s": a.batch / med, "step_s_median": med, "step_s_best": times[0],
                          "steps": a.steps, "loss": loss.item(), "peak_rss_mb": peak_rss_mb(),
                          "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}), flush=True)


if __name__ == "__main__":
    main()
