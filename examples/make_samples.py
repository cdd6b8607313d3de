"""Draws the demo's sample picture and feathered selection (made here, not downloaded).

Run once; the PNGs it writes are committed beside it:
    python examples/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).parent
W, H = 1024, 768


def draw_landscape() -> Image.Image:
    y = np.linspace(0.0, 1.0, H)[:, None]
    x = np.linspace(0.0, 1.0, W)[None, :]
    sky = np.stack([110 + 90 * y, 160 + 70 * y, 235 - 20 * y], axis=-1) * np.ones((1, W, 1))
    img = Image.fromarray(sky.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    draw.ellipse((760, 90, 880, 210), fill=(255, 236, 160))  # sun
    hills = 520 + 60 * np.sin(x[0] * 7.0) + 25 * np.sin(x[0] * 23.0 + 1.0)
    for col, top in enumerate(hills.astype(int)):
        draw.line([(col, top), (col, H)], fill=(70, 130 + col % 7, 70))
    draw.rectangle((180, 420, 380, 600), fill=(170, 90, 60))  # a house
    draw.polygon([(160, 420), (280, 330), (400, 420)], fill=(120, 40, 40))
    draw.rectangle((255, 500, 305, 600), fill=(80, 50, 30))
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 4, (H, W, 3))  # a little grain, like a photo
    arr = np.asarray(img, dtype=np.float64) + noise
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def draw_selection() -> Image.Image:
    """A feathered ellipse over the empty field right of the house (white = edit)."""
    sel = Image.new("L", (W, H), 0)
    ImageDraw.Draw(sel).ellipse((520, 430, 840, 690), fill=255)
    return sel.filter(ImageFilter.GaussianBlur(18))


if __name__ == "__main__":
    draw_landscape().save(HERE / "sample.png", optimize=True)
    draw_selection().save(HERE / "selection.png", optimize=True)
    print("wrote", HERE / "sample.png", HERE / "selection.png")
