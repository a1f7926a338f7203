"""Generates vit/src/test/resources/golden/*.safetensors from mae_reference.py (see README.md there).

Run from the repository root: /usr/bin/python3 vit/src/test/python/make_golden.py
Deterministic: fixed seeds and one torch thread. It prints the check values that the Java tests
compare against (sums of a few arrays, the losses).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mae_reference import MaskedAutoencoderViT, get_2d_sincos_pos_embed, write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden")
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=2, decoder_num_heads=3, mlp_ratio=4.0)
MASK_RATIO = 0.75


def build(dtype):
    """Official init (seed 0), then every bias and LayerNorm parameter moved by 0.1 * N(0, 1) so
    that each term matters. Built in float32 (as the official code), then converted: the float64
    weights are the float32 ones exactly, except the fixed sin-cos tables (below)."""
    torch.manual_seed(0)
    m = MaskedAutoencoderViT(**CFG)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith(".bias") or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    m = m.to(dtype)
    if dtype == torch.float64:
        # the official code rounds the tables to float32 (.float()); a float64 reference holds
        # them exactly, as the Java model in float64 computes them
        with torch.no_grad():
            m.pos_embed.copy_(tables(torch.float64)["sincos.pos_embed"])
            m.decoder_pos_embed.copy_(tables(torch.float64)["sincos.decoder_pos_embed"])
    return m


def tables(dtype):
    g = CFG["img_size"] // CFG["patch_size"]
    return {"sincos.pos_embed": torch.from_numpy(get_2d_sincos_pos_embed(CFG["embed_dim"], g, True)).unsqueeze(0).to(dtype),
            "sincos.decoder_pos_embed":
                torch.from_numpy(get_2d_sincos_pos_embed(CFG["decoder_embed_dim"], g, True)).unsqueeze(0).to(dtype)}


def run(m, imgs, noise, norm_pix, prefix, out, grads):
    m.norm_pix_loss = norm_pix
    m.zero_grad()
    loss, pred, mask, latent, ids_restore = m(imgs, MASK_RATIO, noise)
    loss.backward()
    out[prefix + "loss"] = loss.detach().reshape(1)
    out[prefix + "pred"] = pred.detach()
    if not norm_pix:
        out["mask"] = mask.detach()
        out["ids_restore"] = ids_restore  # int64
        out["latent"] = latent.detach()
    if grads:
        for name, p in m.named_parameters():
            if p.requires_grad:
                out[prefix + "grad." + name] = p.grad.detach().clone()


def block_case(m, dtype, out):
    """blocks.0 alone: objective sum(block_out * block_upstream)."""
    torch.manual_seed(2)
    block_in = torch.randn(2, 5, CFG["embed_dim"], dtype=dtype, requires_grad=True)
    upstream = torch.randn(2, 5, CFG["embed_dim"], dtype=dtype)
    blk = m.blocks[0]
    blk.zero_grad()
    block_out = blk(block_in)
    (block_out * upstream).sum().backward()
    out.update({"block_in": block_in.detach(), "block_out": block_out.detach(), "block_upstream": upstream,
                "block_grad_in": block_in.grad.detach()})
    for name, p in blk.named_parameters():
        out["block.grad.blocks.0." + name] = p.grad.detach().clone()


def dtypes_fixture():
    """Small tensors of every dtype the Java reader supports, with edge values."""
    f = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, float("inf"),
                      float("-inf"), float("nan")], dtype=torch.float64)
    return {
        "f64": torch.tensor([[1.0, -0.0, 1e-310, 1.7976931348623157e308], [float("inf"), float("nan"), 0.1, -3.0]],
                            dtype=torch.float64),
        "f32": torch.tensor([1.0, -0.0, 1e-40, 3.4028234663852886e38, 0.1, -3.0], dtype=torch.float32),
        "f16": f.to(torch.float16),  # max, min normal, min subnormal, inf, nan
        "bf16": torch.tensor([1.0, -2.5, 3.140625, -1e-38, 3.3895313892515355e38, float("inf"), float("nan")],
                             dtype=torch.bfloat16),
        "i64": torch.tensor([0, -1, 2 ** 53 + 1, -(2 ** 63), 2 ** 63 - 1], dtype=torch.int64),
        "i32": torch.tensor([[0, -1], [2 ** 31 - 1, -(2 ** 31)]], dtype=torch.int32),
        "scalar": torch.tensor(42.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def main():
    torch.set_num_threads(1)  # one reduction order: the files are reproducible on one machine
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    imgs = torch.randn(2, CFG["in_chans"], CFG["img_size"], CFG["img_size"], dtype=torch.float64)
    noise = torch.rand(2, (CFG["img_size"] // CFG["patch_size"]) ** 2, dtype=torch.float64)
    meta = {"generator": "vit/src/test/python/make_golden.py", "torch": torch.__version__,
            "config": json.dumps(dict(CFG, mask_ratio=MASK_RATIO, batch=2))}
    for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
        m = build(dtype)
        write_safetensors(os.path.join(OUT, f"mae_small_weights_{tag}.safetensors"), m.state_dict(), meta)
        x, nz = imgs.to(dtype), noise.to(dtype)
        out = {"imgs": x, "noise": nz, "patchified": m.patchify(x)}
        full = dtype == torch.float64  # gradients only in float64: compare float32 gradients against them
        run(m, x, nz, False, "", out, full)
        run(m, x, nz, True, "normpix.", out, full)
        if full:
            block_case(m, dtype, out)
        out.update(tables(dtype))
        checks = {"check.loss": repr(out["loss"].item()), "check.normpix.loss": repr(out["normpix.loss"].item()),
                  "check.sum.imgs": repr(out["imgs"].sum().item()), "check.sum.pred": repr(out["pred"].sum().item()),
                  "check.sum.sincos.pos_embed": repr(out["sincos.pos_embed"].sum().item())}
        if full:
            checks["check.sum.grad.blocks.1.attn.qkv.weight"] = repr(out["grad.blocks.1.attn.qkv.weight"].sum().item())
        write_safetensors(os.path.join(OUT, f"mae_small_io_{tag}.safetensors"), out, dict(meta, **checks))
        for k, v in checks.items():
            print(tag, k, v)
    write_safetensors(os.path.join(OUT, "safetensors_dtypes.safetensors"), dtypes_fixture(),
                      {"generator": "vit/src/test/python/make_golden.py", "torch": torch.__version__})
    print("fixture safetensors_dtypes.safetensors: f16", dtypes_fixture()["f16"].tolist())
    print("fixture bf16", dtypes_fixture()["bf16"].tolist())


if __name__ == "__main__":
    main()
