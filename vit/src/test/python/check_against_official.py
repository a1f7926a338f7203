"""Runs the OFFICIAL MaskedAutoencoderViT (facebookresearch/mae models_mae.py + util/pos_embed.py,
over timm 0.3.2's PatchEmbed / Block / Attention / Mlp) on the golden weights and inputs, and
compares its outputs and gradients with the golden arrays that mae_reference.py produced.

Neither repository is vendored here (nor needed by the build). Give it a checkout of the MAE
repository and timm 0.3.2's timm/models/vision_transformer.py:

    git -C mae show efb2a80:models_mae.py > /tmp/off/models_mae.py
    mkdir -p /tmp/off/util && git -C mae show efb2a80:util/pos_embed.py > /tmp/off/util/pos_embed.py
    git -C timm show 6504a428:timm/models/vision_transformer.py > /tmp/timm_vit_032.py
    /usr/bin/python3 vit/src/test/python/check_against_official.py --mae /tmp/off --timm-vit /tmp/timm_vit_032.py

Only the four timm classes are taken from the timm file (their module needs the rest of timm);
to_2tuple and DropPath (unused: drop_path is 0) are stubbed. numpy >= 1.24 lacks np.float, which
the official pos_embed.py uses; it is aliased to float (float64), as it was.
"""
import argparse
import ast
import os
import sys
import tempfile
import types
from functools import partial

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mae_reference import read_safetensors  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden")
CFG = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
           decoder_embed_dim=24, decoder_depth=2, decoder_num_heads=3, mlp_ratio=4)


def install_fake_timm(timm_vit_file):
    src = open(timm_vit_file).read()
    tree = ast.parse(src)
    wanted = {"Mlp", "Attention", "Block", "PatchEmbed"}
    classes = [ast.get_source_segment(src, n) for n in tree.body if isinstance(n, ast.ClassDef) and n.name in wanted]
    assert len(classes) == 4, "Mlp, Attention, Block, PatchEmbed not all found in " + timm_vit_file
    prelude = ("import torch\nimport torch.nn as nn\n"
               "def to_2tuple(x):\n    return x if isinstance(x, tuple) else (x, x)\n"
               "class DropPath(nn.Module):\n    def __init__(self, p):\n        raise AssertionError('drop_path unused')\n")
    mod = types.ModuleType("timm.models.vision_transformer")
    exec(compile(prelude + "\n\n".join(classes), timm_vit_file, "exec"), mod.__dict__)
    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    timm.models, models.vision_transformer = models, mod
    sys.modules.update({"timm": timm, "timm.models": models, "timm.models.vision_transformer": mod})


def official_model(mae_dir, dtype, weights, norm_pix):
    if not hasattr(np, "float"):
        np.float = float  # removed in numpy 1.24; the official code means float64
    sys.path.insert(0, mae_dir)
    import models_mae  # noqa: the official file
    m = models_mae.MaskedAutoencoderViT(**CFG, norm_layer=partial(nn.LayerNorm, eps=1e-6), norm_pix_loss=norm_pix)
    m = m.to(dtype)
    missing = m.load_state_dict({k: v.to(dtype) for k, v in weights.items()}, strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    return m


def run_official(m, imgs, noise):
    """The official random_masking draws torch.rand(N, L); hand it the golden noise instead."""
    real_rand = torch.rand
    torch.rand = lambda *a, **k: noise.clone()
    try:
        latent, mask, ids_restore = m.forward_encoder(imgs, 0.75)
        pred = m.forward_decoder(latent, ids_restore)
        loss = m.forward_loss(imgs, pred, mask)
    finally:
        torch.rand = real_rand
    m.zero_grad()
    loss.backward()
    return loss, pred, mask, latent, ids_restore


def compare(tag, got, want, worst):
    d = (got.detach().to(torch.float64) - want.to(torch.float64)).abs().max().item() if want.numel() else 0.0
    scale = max(1.0, want.to(torch.float64).abs().max().item()) if want.numel() else 1.0
    worst.append((d / scale, tag))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mae", required=True, help="folder with the official models_mae.py and util/pos_embed.py")
    ap.add_argument("--timm-vit", required=True, help="timm 0.3.2 timm/models/vision_transformer.py")
    a = ap.parse_args()
    install_fake_timm(a.timm_vit)
    for tag, dtype in (("f64", torch.float64), ("f32", torch.float32)):
        weights, _ = read_safetensors(os.path.join(GOLDEN, f"mae_small_weights_{tag}.safetensors"))
        io, _ = read_safetensors(os.path.join(GOLDEN, f"mae_small_io_{tag}.safetensors"))
        worst = []
        for norm_pix, prefix in ((False, ""), (True, "normpix.")):
            if prefix + "loss" not in io:
                continue
            m = official_model(a.mae, dtype, weights, norm_pix)
            loss, pred, mask, latent, ids_restore = run_official(m, io["imgs"], io["noise"])
            compare(prefix + "loss", loss.reshape(1), io[prefix + "loss"].reshape(1), worst)
            compare(prefix + "pred", pred, io[prefix + "pred"], worst)
            if not norm_pix:
                compare("mask", mask, io["mask"], worst)
                compare("ids_restore", ids_restore, io["ids_restore"], worst)
                compare("latent", latent, io["latent"], worst)
                compare("patchified", m.patchify(io["imgs"]), io["patchified"], worst)
            for name, p in m.named_parameters():
                if p.requires_grad and prefix + "grad." + name in io:
                    compare(prefix + "grad." + name, p.grad, io[prefix + "grad." + name], worst)
        if "block_in" in io:
            m = official_model(a.mae, dtype, weights, False)
            x = io["block_in"].clone().requires_grad_(True)
            out = m.blocks[0](x)
            (out * io["block_upstream"]).sum().backward()
            compare("block_out", out, io["block_out"], worst)
            compare("block_grad_in", x.grad, io["block_grad_in"], worst)
            for name, p in m.blocks[0].named_parameters():
                compare("block.grad.blocks.0." + name, p.grad, io["block.grad.blocks.0." + name], worst)
        worst.sort(reverse=True)
        print(f"{tag}: {len(worst)} arrays compared with the official model; worst relative difference "
              f"{worst[0][0]:.3g} ({worst[0][1]}); median {worst[len(worst) // 2][0]:.3g}")


if __name__ == "__main__":
    main()
