"""Generates vit/src/test/resources/golden/*.safetensors from mae_reference.py.

Run from the repository root: /usr/bin/python3 vit/src/test/python/make_golden.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mae_reference import MaskedAutoencoderViT, write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden")
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=2, decoder_num_heads=3, mlp_ratio=4.0)


def build(dtype):
    torch.manual_seed(0)
    m = MaskedAutoencoderViT(**CFG)
    with torch.no_grad():  # make every bias and norm matter
        for name, p in m.named_parameters():
            if name.endswith(".bias") or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    m = m.to(dtype)
    if dtype == torch.float64:
        # the official code rounds the fixed tables to float32 (.float()); a float64 reference
        # must hold them exactly, as the Java model in float64 does
        from mae_reference import get_2d_sincos_pos_embed
        with torch.no_grad():
            m.pos_embed.copy_(torch.from_numpy(get_2d_sincos_pos_embed(32, 4, True)).unsqueeze(0))
            m.decoder_pos_embed.copy_(torch.from_numpy(get_2d_sincos_pos_embed(24, 4, True)).unsqueeze(0))
    return m


def run(m, imgs, noise, norm_pix, prefix, out):
    m.norm_pix_loss = norm_pix
    m.zero_grad()
    loss, pred, mask, latent, ids_restore = m(imgs, 0.75, noise)
    loss.backward()
    out[prefix + "loss"] = loss.detach().reshape(1)
    out[prefix + "pred"] = pred.detach()
    if not norm_pix:
        out["mask"] = mask.detach()
        out["ids_restore"] = ids_restore
        out["latent"] = latent.detach()
    for name, p in m.named_parameters():
        if p.requires_grad:
            out[prefix + "grad." + name] = p.grad.detach().clone()


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    imgs = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    noise = torch.rand(2, 16, dtype=torch.float64)
    for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
        m = build(dtype)
        write_safetensors(os.path.join(OUT, f"mae_small_weights_{tag}.safetensors"), m.state_dict(),
                          {"generator": "make_golden.py", "torch": torch.__version__})
        x = imgs.to(dtype)
        out = {"imgs": x, "noise": noise.to(dtype), "patchified": m.patchify(x)}
        run(m, x, noise.to(dtype), False, "", out)
        if dtype == torch.float64:
            run(m, x, noise, True, "normpix.", out)
            torch.manual_seed(2)
            block_in = torch.randn(2, 5, 32, dtype=dtype, requires_grad=True)
            upstream = torch.randn(2, 5, 32, dtype=dtype)
            blk = m.blocks[0]
            blk.zero_grad()
            block_out = blk(block_in)
            (block_out * upstream).sum().backward()
            out.update({"block_in": block_in.detach(), "block_out": block_out.detach(), "block_upstream": upstream,
                        "block_grad_in": block_in.grad.detach()})
            for name, p in blk.named_parameters():
                out["block.grad.blocks.0." + name] = p.grad.detach().clone()
        else:
            out = {k: v for k, v in out.items() if not k.startswith("grad.")}
        write_safetensors(os.path.join(OUT, f"mae_small_io_{tag}.safetensors"), out,
                          {"generator": "make_golden.py", "torch": torch.__version__})
        print(tag, "loss", out["loss"].item(), "normpix loss", out.get("normpix.loss", torch.zeros(1)).item())


if __name__ == "__main__":
    main()
