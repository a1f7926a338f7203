#!/usr/bin/python3
"""Golden outputs of PIL's resize (mode F, float samples) for TransformsTest.

Run with Debian's python3-pil: /usr/bin/python3 pil_resize.py > pil_resize.txt
Input: a 5x7 (H x W) image with value ((y * 7 + x) * 0.37) % 1. Each line: name, output H, W,
box (left, top, right, bottom), then the output values row by row.
"""
from PIL import Image

H, W = 5, 7
src = Image.new("F", (W, H))
src.putdata([((y * W + x) * 0.37) % 1 for y in range(H) for x in range(W)])
cases = [
    ("bicubic_down", Image.BICUBIC, (4, 3), None),
    ("bicubic_up", Image.BICUBIC, (11, 9), None),
    ("bilinear_down", Image.BILINEAR, (3, 2), None),
    ("bicubic_box", Image.BICUBIC, (4, 4), (1, 1, 6, 4)),
]
for name, f, (w, h), box in cases:
    out = src.resize((w, h), f, box=box or (0, 0, W, H))
    b = box or (0, 0, W, H)
    print(name, h, w, *b, *["%.9g" % v for v in out.getdata()])
