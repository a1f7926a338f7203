"""The PyTorch side of `mae bench model`: trains the tiny MAE preset (28x28x1, patch 4, encoder
192-d x 12 x 3 heads, decoder 128-d x 4 x 4 heads) with AdamW on random images and prints one
JSON line per mask ratio. Uses mae_reference.py from the same folder."""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch: else its OpenMP threads starve OpenBLAS's

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mae_reference import MaskedAutoencoderViT  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--mask-ratios", default="0.75,0.0")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(img_size=28, patch_size=4, in_chans=1, embed_dim=192, depth=12, num_heads=3,
                                 decoder_embed_dim=128, decoder_depth=4, decoder_num_heads=4, mlp_ratio=4.0)
    opt = torch.optim.AdamW(model.parameters(), lr=1.5e-4 * a.batch / 256, betas=(0.9, 0.95), weight_decay=0.05)
    imgs = torch.rand(a.batch, 1, 28, 28)
    for ratio in [float(r) for r in a.mask_ratios.split(",")]:
        times = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            if ratio > 0:
                loss, *_ = model(imgs, ratio)
            else:  # the official loss is 0/0 with nothing removed: average over all patches, as mae-jvm does
                latent, _, ids_restore = model.forward_encoder(imgs, 0.0, torch.rand(a.batch, 49))
                loss = ((model.forward_decoder(latent, ids_restore) - model.patchify(imgs)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i >= a.warmup:
                times.append(time.perf_counter() - t0)
        times.sort()
        med = times[len(times) // 2]
        print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": a.threads, "mask_ratio": ratio,
                          "batch": a.batch, "img_per_s": a.batch / med, "step_s_median": med, "step_s_best": times[0],
                          "peak_rss_mb": peak_rss_mb()}), flush=True)


def peak_rss_mb():
    """VmHWM: reset by exec, unlike ru_maxrss, which in a child of a big process (the JVM) keeps
    the parent's high-water mark."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


if __name__ == "__main__":
    main()
