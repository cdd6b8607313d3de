"""Synthetic pictures for the benchmark: photo-like and flat-colour canvases, and a
feathered selection. Deterministic (seeded), generated in bands so that making an
8192x8192 canvas needs little more memory than the canvas itself.

Photo-like: smooth structure at a few scales plus sensor-like noise; PNG level 6
keeps about 55-60 % of its raw bytes, as it does for photographs. Flat: a
flat-colour illustration (solid shapes, anti-aliased edges).
Imports numpy and Pillow only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

BAND_ROWS = 512
TILE = 2048


def photo_like(width: int, height: int, seed: int = 1) -> np.ndarray:
    """HxWx4 uint8 RGBA, opaque.

    The smooth structure is drawn once on a tile of at most TILE pixels and
    repeated; the noise is fresh everywhere, so no two rows are alike and an
    encoder finds no long repeats (it would in a tiled noise pattern).
    """
    rng = np.random.default_rng(seed)
    tw, th = min(width, TILE), min(height, TILE)
    structure = np.full((th, tw, 3), 128, np.int16)
    for cell, amplitude in ((256, 70), (32, 45), (6, 12)):
        shape = (th // cell + 2, tw // cell + 2, 3)
        coarse = rng.integers(128 - amplitude, 128 + amplitude, shape).astype(np.uint8)
        smooth = PILImage.fromarray(coarse).resize((tw, th), PILImage.Resampling.BICUBIC)
        structure += np.asarray(smooth, np.int16) - 128
    out = np.empty((height, width, 4), np.uint8)
    out[..., 3] = 255
    columns = np.arange(width) % tw
    for y0 in range(0, height, BAND_ROWS):
        y1 = min(height, y0 + BAND_ROWS)
        rows = structure[np.arange(y0, y1) % th][:, columns]
        rows += rng.integers(-3, 4, rows.shape, dtype=np.int16)
        out[y0:y1, :, :3] = np.clip(rows, 0, 255)
    return out


def flat_art(width: int, height: int, seed: int = 2) -> np.ndarray:
    """HxWx4 uint8 RGBA, opaque: a background and solid shapes, edges anti-aliased."""
    rng = np.random.default_rng(seed)
    palette = [tuple(int(c) for c in rng.integers(0, 256, 3)) for _ in range(8)]
    img = PILImage.new("RGB", (width, height), (238, 234, 226))
    draw = ImageDraw.Draw(img)
    for i in range(24):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        w, h = rng.integers(width // 16, width // 3), rng.integers(height // 16, height // 3)
        box = (int(x0), int(y0), int(x0 + w), int(y0 + h))
        colour = palette[i % len(palette)]
        if i % 3 == 0:
            draw.ellipse(box, fill=colour)
        elif i % 3 == 1:
            draw.rectangle(box, fill=colour)
        else:
            apex = ((box[0] + box[2]) // 2, box[1])
            draw.polygon([(box[0], box[3]), apex, (box[2], box[3])], fill=colour)
    # a slight blur stands for anti-aliasing: edges one or two pixels wide
    img = img.filter(ImageFilter.BoxBlur(0.6))
    out = np.empty((height, width, 4), np.uint8)
    out[..., :3] = np.asarray(img)
    out[..., 3] = 255
    return out


def feathered_selection(size: int, feather: int) -> np.ndarray:
    """Coverage of a `size` square selection feathered by `feather` pixels: an array of
    (size + 2 * feather) squared, as a host hands out a selection's own bounds."""
    side = size + 2 * feather
    hard = np.zeros((side, side), np.uint8)
    hard[feather : feather + size, feather : feather + size] = 255
    soft = PILImage.fromarray(hard).filter(ImageFilter.GaussianBlur(feather / 2))
    return np.asarray(soft).copy()
