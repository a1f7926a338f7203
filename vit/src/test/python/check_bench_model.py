"""Checks that the model inlined in the benchmark (experiments/src/main/resources/bench/
torch_mae_bench.py) is the reference model of mae_reference.py: same state-dict names and shapes,
same init under the same seed, and the same loss, pred, mask and gradients in float64.

    /usr/bin/python3 vit/src/test/python/check_bench_model.py
"""
import importlib.util
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mae_reference import MaskedAutoencoderViT  # noqa: E402

BENCH = os.path.join(HERE, "..", "..", "..", "..", "experiments", "src", "main", "resources", "bench", "torch_mae_bench.py")


def main():
    spec = importlib.util.spec_from_file_location("torch_mae_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for cfg in (bench.TINY, dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
                                 decoder_embed_dim=24, decoder_depth=2, decoder_num_heads=3, mlp_ratio=4.0)):
        torch.manual_seed(0)
        ref = MaskedAutoencoderViT(**cfg)
        torch.manual_seed(0)
        b = bench.MaskedAutoencoderViT(**cfg)
        rs, bs = ref.state_dict(), b.state_dict()
        assert [(k, tuple(v.shape)) for k, v in rs.items()] == [(k, tuple(v.shape)) for k, v in bs.items()], "names/shapes"
        same_init = all(torch.equal(rs[k], bs[k]) for k in rs)
        assert same_init, [k for k in rs if not torch.equal(rs[k], bs[k])]
        ref, b = ref.double(), b.double()
        with torch.no_grad():
            for p in ref.parameters():
                p.add_(0.1 * torch.randn_like(p))
        b.load_state_dict(ref.state_dict())
        g = cfg["img_size"] // cfg["patch_size"]
        imgs = torch.randn(3, cfg["in_chans"], cfg["img_size"], cfg["img_size"], dtype=torch.float64)
        noise = torch.rand(3, g * g, dtype=torch.float64)
        worst = 0.0
        for norm_pix in (False, True):
            ref.norm_pix_loss = b.norm_pix_loss = norm_pix
            ref.zero_grad()
            b.zero_grad()
            l1, p1, m1, _, _ = ref(imgs, 0.75, noise)
            l2, p2, m2 = b(imgs, 0.75, noise)
            l1.backward()
            l2.backward()
            assert torch.equal(m1, m2)
            worst = max(worst, (l1 - l2).abs().item(), (p1 - p2).abs().max().item())
            gb = dict(b.named_parameters())
            for n, p in ref.named_parameters():
                if p.requires_grad:
                    worst = max(worst, (p.grad - gb[n].grad).abs().max().item())
        assert worst < 1e-12, worst
        print(f"img {cfg['img_size']} dim {cfg['embed_dim']}: {len(rs)} tensors, same names, shapes and init; "
              f"outputs and gradients agree to {worst:.2g}")


if __name__ == "__main__":
    main()
