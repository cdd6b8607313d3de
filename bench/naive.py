"""The naive pipeline the plug-in is measured against, implemented here on purpose.

What a straightforward plug-in does: send the whole canvas as a PNG at Pillow's
defaults, with a canvas-sized PNG mask, then scale the whole result up to the
canvas and composite it there through a canvas-sized coverage. It is correct
(same pixels outside the selection), just sized by the canvas instead of the
selection. Pillow and numpy only; Pillow's own C paths (PNG, resize,
alpha_composite) are used where they exist, so "naive" is not made slow on purpose.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage


def canvas_coverage(shape: tuple[int, int], coverage: np.ndarray, x: int, y: int) -> np.ndarray:
    """The selection's coverage spread over the whole canvas (clipped at its edges)."""
    h, w = shape
    full = np.zeros((h, w), np.uint8)
    ch, cw = coverage.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + cw), min(h, y + ch)
    full[y0:y1, x0:x1] = coverage[y0 - y : y1 - y, x0 - x : x1 - x]
    return full


def request(canvas: np.ndarray, coverage: np.ndarray, x: int, y: int) -> tuple[bytes, bytes]:
    """(image PNG, mask PNG) of the whole canvas; the mask's alpha 0 = edit."""
    full = canvas_coverage(canvas.shape[:2], coverage, x, y)
    image = io.BytesIO()
    PILImage.fromarray(canvas).save(image, format="PNG")
    mask = np.zeros(canvas.shape, np.uint8)
    mask[..., 3] = np.where(full > 0, 0, 255)
    masked = io.BytesIO()
    PILImage.fromarray(mask).save(masked, format="PNG")
    return image.getvalue(), masked.getvalue()


def response(result: bytes, canvas: np.ndarray, coverage: np.ndarray, x: int, y: int) -> np.ndarray:
    """The API's image scaled to the canvas and laid over it through the coverage."""
    h, w = canvas.shape[:2]
    full = canvas_coverage((h, w), coverage, x, y)
    with PILImage.open(io.BytesIO(result)) as img:
        scaled = np.array(img.convert("RGBA").resize((w, h)))
    scaled[..., 3] = (scaled[..., 3].astype(np.uint16) * full // 255).astype(np.uint8)
    laid = PILImage.alpha_composite(PILImage.fromarray(canvas), PILImage.fromarray(scaled))
    return np.asarray(laid)
