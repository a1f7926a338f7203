"""An independent PyTorch MAE: facebookresearch/mae's models_mae.py (MaskedAutoencoderViT) and
util/pos_embed.py, with the timm 0.3.2 Block / Attention / Mlp / PatchEmbed it imports, written
out without depending on either. It is the reference the Java engine is tested against
(make_golden.py); the benchmark (experiments/.../bench/torch_mae_bench.py) inlines the same model.

Checked against the official sources, line by line and numerically:
  - facebookresearch/mae at efb2a80 (models_mae.py, util/pos_embed.py) and timm 6504a428
    ("Version 0.3.2", timm/models/vision_transformer.py: Mlp, Attention, Block, PatchEmbed);
  - check_against_official.py runs the official MaskedAutoencoderViT (over those timm classes)
    on the golden weights, imgs and noise and reproduces loss, pred, mask, latent and every
    gradient of the golden files to float64 round-off (see golden/README.md).

Differences from the official code, none of which changes a value:
  - noise is an argument of random_masking / forward (official: torch.rand inside), so masking
    is reproducible, and forward also returns latent and ids_restore;
  - patchify / unpatchify use in_chans (official: hard-coded 3 channels);
  - the mask is created in the input's dtype (official: float32 always);
  - no dropout / drop-path modules (the official MAE pretrains with both at 0).
Details that decide parity, each as the official code has it: LayerNorm eps 1e-6; qkv bias on;
scale head_dim^-0.5; exact erf GELU; norm-pix targets with unbiased variance; the sin-cos tables
are float64 in numpy, then rounded to float32 by the official `.float()`. Init: xavier_uniform_
on Linear weights and on the patch-embed weight viewed as [D, C*p*p], Linear biases 0, LayerNorm
1/0, cls and mask tokens normal(std .02). Note that the official _init_weights does not touch
the Conv2d, so patch_embed.proj.bias keeps PyTorch's Conv2d default, uniform(+-1/sqrt(C*p*p));
it is not 0.
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn


# ----- util/pos_embed.py ------------------------------------------------------------------
def get_2d_sincos_pos_embed(embed_dim, grid_size, cls_token=False):
    """[grid_size*grid_size (+1), embed_dim], float64; the first half of channels encodes w."""
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)  # here w goes first, as in the official code
    grid = np.stack(grid, axis=0).reshape([2, 1, grid_size, grid_size])
    emb = get_2d_sincos_pos_embed_from_grid(embed_dim, grid)
    if cls_token:
        emb = np.concatenate([np.zeros([1, embed_dim]), emb], axis=0)
    return emb


def get_2d_sincos_pos_embed_from_grid(embed_dim, grid):
    assert embed_dim % 2 == 0
    emb_h = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[0])  # official name; grid[0] is w
    emb_w = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[1])
    return np.concatenate([emb_h, emb_w], axis=1)  # [H*W, D]


def get_1d_sincos_pos_embed_from_grid(embed_dim, pos):
    assert embed_dim % 2 == 0
    omega = np.arange(embed_dim // 2, dtype=np.float64)  # official: np.float, i.e. float64
    omega /= embed_dim / 2.0
    omega = 1.0 / 10000 ** omega  # [D/2]
    pos = pos.reshape(-1)  # [M]
    out = np.einsum("m,d->md", pos, omega)  # [M, D/2]
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)  # [M, D]


# ----- timm 0.3.2 layers (dropout and drop-path are 0 in MAE pretraining, left out) ----------
class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.patch_size = (patch_size, patch_size)
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):  # [N, C, H, W] -> [N, L, D]
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [B, heads, N, head_dim]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()  # exact (erf) GELU
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


# ----- models_mae.py ---------------------------------------------------------------------------
class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=1024, depth=24, num_heads=16,
                 decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16, mlp_ratio=4.0, norm_pix_loss=False):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)

        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList(
            [Block(decoder_embed_dim, decoder_num_heads, mlp_ratio) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)

        self.norm_pix_loss = norm_pix_loss
        self.initialize_weights()

    def initialize_weights(self):
        g = int(self.patch_embed.num_patches ** 0.5)
        pe = get_2d_sincos_pos_embed(self.pos_embed.shape[-1], g, cls_token=True)
        self.pos_embed.data.copy_(torch.from_numpy(pe).float().unsqueeze(0))
        dpe = get_2d_sincos_pos_embed(self.decoder_pos_embed.shape[-1], g, cls_token=True)
        self.decoder_pos_embed.data.copy_(torch.from_numpy(dpe).float().unsqueeze(0))
        w = self.patch_embed.proj.weight.data  # like nn.Linear, viewed as [D, C*p*p]
        torch.nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        torch.nn.init.normal_(self.cls_token, std=0.02)
        torch.nn.init.normal_(self.mask_token, std=0.02)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def patchify(self, imgs):
        """[N, C, H, W] -> [N, L, p*p*C], a patch laid out as (p, q, c)."""
        p = self.patch_embed.patch_size[0]
        assert imgs.shape[2] == imgs.shape[3] and imgs.shape[2] % p == 0
        n, c, h = imgs.shape[0], imgs.shape[1], imgs.shape[2] // p
        x = imgs.reshape(n, c, h, p, h, p)
        x = torch.einsum("nchpwq->nhwpqc", x)
        return x.reshape(n, h * h, p * p * c)

    def unpatchify(self, x):
        """[N, L, p*p*C] -> [N, C, H, W]."""
        p = self.patch_embed.patch_size[0]
        h = int(x.shape[1] ** 0.5)
        c = x.shape[2] // (p * p)
        x = x.reshape(x.shape[0], h, h, p, p, c)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(x.shape[0], c, h * p, h * p)

    def random_masking(self, x, mask_ratio, noise):
        """x [N, L, D], noise [N, L]: small noise is kept; mask 0 = keep, 1 = remove."""
        N, L, D = x.shape
        len_keep = int(L * (1 - mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)  # ascending
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
        mask = torch.ones([N, L], device=x.device, dtype=x.dtype)
        mask[:, :len_keep] = 0
        mask = torch.gather(mask, dim=1, index=ids_restore)
        return x_masked, mask, ids_restore

    def forward_encoder(self, x, mask_ratio, noise):
        x = self.patch_embed(x)  # [N, L, D]
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x, mask_ratio, noise)  # [N, keep, D]
        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        x = torch.cat((cls_token.expand(x.shape[0], -1, -1), x), dim=1)  # [N, 1+keep, D]
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x), mask, ids_restore

    def forward_decoder(self, x, ids_restore):
        x = self.decoder_embed(x)  # [N, 1+keep, Dd]
        mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)  # no cls token, [N, L, Dd]
        x_ = torch.gather(x_, dim=1, index=ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))  # unshuffle
        x = torch.cat([x[:, :1, :], x_], dim=1)  # cls first, [N, 1+L, Dd]
        x = x + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        x = self.decoder_norm(x)
        return self.decoder_pred(x)[:, 1:, :]  # [N, L, p*p*C]

    def forward_loss(self, imgs, pred, mask):
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)  # unbiased
            target = (target - mean) / (var + 1.0e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(dim=-1)  # [N, L]
        return (loss * mask).sum() / mask.sum()  # mean over removed patches

    def forward(self, imgs, mask_ratio=0.75, noise=None):
        """Returns loss, pred [N, L, p*p*C], mask [N, L], latent [N, 1+keep, D], ids_restore [N, L]."""
        if noise is None:
            noise = torch.rand(imgs.shape[0], self.patch_embed.num_patches, device=imgs.device)
        latent, mask, ids_restore = self.forward_encoder(imgs, mask_ratio, noise)
        pred = self.forward_decoder(latent, ids_restore)
        return self.forward_loss(imgs, pred, mask), pred, mask, latent, ids_restore


# ----- a minimal safetensors writer / reader (Debian 12 has no safetensors package) -----------
_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
           torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(path, tensors, metadata=None):
    """8-byte little-endian header length, JSON header padded with spaces to 8 bytes, raw data."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        dtype = _DTYPES[t.dtype]
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the 16 bits
            data = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            a = t.numpy()
            data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) for F64/F32/F16/I64/I32 files."""
    np_types = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, spec in header.items():
        b, e = spec["data_offsets"]
        a = np.frombuffer(data[b:e], dtype=np_types[spec["dtype"]]).reshape(spec["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out, meta
