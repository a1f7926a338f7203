#!/usr/bin/python3
"""Golden position-table interpolations for PosEmbedInterpolationTest: pos_embed_interp.safetensors.

Run from the repository root with Debian's python3-torch:
    /usr/bin/python3 vit/src/test/resources/golden/make_pos_embed_interp.py

Each case resizes a float64 table [E + oldH*oldW, D] (E extra tokens first, then the grid row-major)
the way the official MAE's interpolate_pos_embed (util/pos_embed.py) does: the grid part viewed as
[1, D, oldH, oldW] through F.interpolate(size=(newH, newW), mode='bicubic', align_corners=False),
the extra tokens kept; all in float64. Non-square grids go through the same call (the official
function only derives square sizes). The input is deterministic, in[r][d] = sin(0.9 r + 0.37 d^2 + 0.1);
it is stored too, so the Java test does not depend on two libms agreeing on sin.

ATen's portable ("default") CPU kernels are forced before torch is imported: the AVX2 build of the
same kernel lets GCC contract the tap sums into FMAs, which moves results by a few ulps (<= 7e-16
here) and can differ between CPUs; the portable kernel is plain IEEE double arithmetic, so the file
regenerates bit for bit anywhere.

Tensors, for each case name: "<name>.in" [E + oldH*oldW, D], "<name>.out" [E + newH*newW, D].
Metadata "cases": JSON {name: [oldH, oldW, newH, newW, E]}.
"""
import json
import math
import os
import sys

os.environ["ATEN_CPU_CAPABILITY"] = "default"  # before importing torch, see above

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
from mae_reference import write_safetensors  # noqa: E402

D = 8
CASES = {  # name: (oldH, oldW, newH, newW, extra tokens)
    "square_7x7_to_14x14": (7, 7, 14, 14, 1),
    "rect_4x6_to_5x3": (4, 6, 5, 3, 1),
    "extra2_3x3_to_2x4": (3, 3, 2, 4, 2),
}


def table(rows):
    return torch.tensor([[math.sin(0.9 * r + 0.37 * d * d + 0.1) for d in range(D)] for r in range(rows)],
                        dtype=torch.float64)


def interpolate(pos_embed, old_h, old_w, new_h, new_w, extra):
    """interpolate_pos_embed's body, with (h, w) sizes and without the checkpoint plumbing."""
    extra_tokens = pos_embed[:extra]
    pos_tokens = pos_embed[extra:].reshape(1, old_h, old_w, D).permute(0, 3, 1, 2)
    pos_tokens = F.interpolate(pos_tokens, size=(new_h, new_w), mode="bicubic", align_corners=False)
    pos_tokens = pos_tokens.permute(0, 2, 3, 1).flatten(0, 2)
    return torch.cat((extra_tokens, pos_tokens), dim=0)


def main():
    torch.set_num_threads(1)
    out = {}
    for name, (oh, ow, nh, nw, e) in CASES.items():
        t = table(e + oh * ow)
        out[name + ".in"] = t
        out[name + ".out"] = interpolate(t, oh, ow, nh, nw, e)
        print(name, "sum(out) =", repr(out[name + ".out"].sum().item()))
    meta = {"generator": "make_pos_embed_interp.py", "torch": torch.__version__,
            "aten_cpu_capability": os.environ["ATEN_CPU_CAPABILITY"], "cases": json.dumps(CASES)}
    write_safetensors(os.path.join(HERE, "pos_embed_interp.safetensors"), out, meta)


if __name__ == "__main__":
    main()
