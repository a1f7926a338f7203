#!/usr/bin/python3
"""PyTorch reference values of the detector's feature-map layers: detection_layers.safetensors.

Run from the repository root with Debian's python3-torch:
    /usr/bin/python3 vit/src/test/resources/golden/make_detection_layers.py

For each case, in float64 and torch's layouts (maps [N, C, H, W]; the Java test moves the channels
last), the input, the parameters, the output y of the torch.nn module and, for the objective
L = sum(y * r) with a fixed upstream r, torch's gradients of the input and of each parameter:

  conv_s2p1   Conv2d(3, 4, 3, stride=2, padding=1, bias=True), x [2, 3, 5, 7] -> y [2, 4, 3, 4]
  conv_s1p1   Conv2d(2, 3, 3, stride=1, padding=1, bias=False), x [1, 2, 4, 3] -> y [1, 3, 4, 3]
  convt       ConvTranspose2d(4, 3, kernel_size=2, stride=2), x [2, 4, 3, 5] -> y [2, 3, 6, 10]
  maxpool     MaxPool2d(2, 2), x [2, 3, 5, 7] (odd sizes; values on a 0.5 grid, so windows tie) -> [2, 3, 2, 3]
  groupnorm   GroupNorm(3, 6, eps=1e-5, affine=True), x [2, 6, 3, 4]
  window      detectron2's window_partition / window_unpartition (modeling/backbone/utils.py, transcribed
              below), window size 3, tokens x [2, 5, 7, 4] channels-last as detectron2 takes them:
              "window.x", "window.windows" [2*2*3, 3, 3, 4], "window.r" (an upstream of the windows) and
              "window.grad.x" (the gradient of sum(windows * r) with respect to x), "window.unpartitioned"
              (window_unpartition(windows) == x)

Tensor names: "<case>.x", "<case>.weight", "<case>.bias" (where the module has one), "<case>.y",
"<case>.r", "<case>.grad.x", "<case>.grad.weight", "<case>.grad.bias". Inputs ~ N(0, 1) (torch
seed 0), weights and biases ~ N(0, 0.5) (GroupNorm's weight 1 + N(0, 0.5)). ATen's portable CPU
kernels are forced (as make_pos_embed_interp.py does) so that the file regenerates bit for bit.
"""
import os
import sys

os.environ["ATEN_CPU_CAPABILITY"] = "default"  # before importing torch

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
from mae_reference import write_safetensors  # noqa: E402


def run(name, module, x, out):
    module = module.double()
    params = dict(module.named_parameters())
    x = x.clone().requires_grad_(True)
    y = module(x)
    r = torch.randn(y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    out[name + ".x"] = x.detach()
    for p, v in params.items():
        out[name + "." + p] = v.detach()
        out[name + ".grad." + p] = v.grad
    out[name + ".y"] = y.detach()
    out[name + ".r"] = r
    out[name + ".grad.x"] = x.grad
    print(name, "y", list(y.shape), "sum(y) =", repr(y.sum().item()))


def window_partition(x, window_size):
    """detectron2.modeling.backbone.utils.window_partition."""
    B, H, W, C = x.shape
    pad_h = (window_size - H % window_size) % window_size
    pad_w = (window_size - W % window_size) % window_size
    if pad_h > 0 or pad_w > 0:
        x = torch.nn.functional.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    Hp, Wp = H + pad_h, W + pad_w
    x = x.view(B, Hp // window_size, window_size, Wp // window_size, window_size, C)
    windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)
    return windows, (Hp, Wp)


def window_unpartition(windows, window_size, pad_hw, hw):
    """detectron2.modeling.backbone.utils.window_unpartition."""
    Hp, Wp = pad_hw
    H, W = hw
    B = windows.shape[0] // (Hp * Wp // window_size // window_size)
    x = windows.view(B, Hp // window_size, Wp // window_size, window_size, window_size, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, Hp, Wp, -1)
    if Hp > H or Wp > W:
        x = x[:, :H, :W, :].contiguous()
    return x


def windows_case(out):
    x = torch.randn(2, 5, 7, 4, dtype=torch.float64).requires_grad_(True)
    windows, pad_hw = window_partition(x, 3)
    r = torch.randn(windows.shape, dtype=torch.float64)
    (windows * r).sum().backward()
    out["window.x"] = x.detach()
    out["window.windows"] = windows.detach()
    out["window.r"] = r
    out["window.grad.x"] = x.grad
    out["window.unpartitioned"] = window_unpartition(windows.detach(), 3, pad_hw, (5, 7))
    print("window", list(windows.shape), "pad_hw", pad_hw)


def randomise(module, std=0.5, weight_mean=0.0):
    with torch.no_grad():
        for n, p in module.named_parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64) * std + (weight_mean if n == "weight" else 0.0))
    return module


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    f64 = torch.float64
    out = {}
    run("conv_s2p1", randomise(torch.nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=True).double()),
        torch.randn(2, 3, 5, 7, dtype=f64), out)
    run("conv_s1p1", randomise(torch.nn.Conv2d(2, 3, 3, stride=1, padding=1, bias=False).double()),
        torch.randn(1, 2, 4, 3, dtype=f64), out)
    run("convt", randomise(torch.nn.ConvTranspose2d(4, 3, kernel_size=2, stride=2).double()),
        torch.randn(2, 4, 3, 5, dtype=f64), out)
    run("maxpool", torch.nn.MaxPool2d(2, 2), torch.round(torch.randn(2, 3, 5, 7, dtype=f64) * 2) / 2, out)
    run("groupnorm", randomise(torch.nn.GroupNorm(3, 6, eps=1e-5, affine=True).double(), weight_mean=1.0),
        torch.randn(2, 6, 3, 4, dtype=f64) * 2 + 0.5, out)
    windows_case(out)
    meta = {"generator": "make_detection_layers.py", "torch": torch.__version__,
            "aten_cpu_capability": os.environ["ATEN_CPU_CAPABILITY"]}
    write_safetensors(os.path.join(HERE, "detection_layers.safetensors"), out, meta)


if __name__ == "__main__":
    main()
