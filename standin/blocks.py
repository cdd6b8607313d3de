"""Known colour blocks, for the colour-managed matrix of the host suite (issue 15).

With `POST /_standin/picture {"kind": "blocks"}` every result is a GRID x GRID
grid of the sRGB colours in PALETTE, at the size asked for, so a host scenario
knows what the API sent without reading our history; and the request log keeps,
for every uploaded image, the colour at each cell's centre (`cells`), so it can
check that the upload was the layer's colours in sRGB.

The palette avoids the darkest values on purpose: an 8-bit document in a linear
profile cannot hold them (sRGB 20 and 24 are the same linear 8-bit level), and
the test is of our conversions, not of 8-bit linear storage. Imports Pillow and
numpy only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

GRID = 4
# Saturated primaries and secondaries, skin, sky, greys: what colour management moves most.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 60, 60),
    (60, 200, 80),
    (70, 90, 230),
    (240, 220, 70),
    (70, 210, 220),
    (210, 80, 200),
    (224, 172, 140),
    (120, 170, 230),
    (128, 128, 128),
    (200, 200, 200),
    (96, 96, 96),
    (250, 250, 250),
    (180, 110, 60),
    (100, 160, 100),
    (160, 100, 160),
    (250, 150, 90),
)


def picture(width: int, height: int) -> Image.Image:
    """The blocks at width x height, opaque: cell (row, col) holds PALETTE[row*GRID+col]."""
    rows = (np.arange(height) * GRID // max(height, 1)).clip(0, GRID - 1)
    cols = (np.arange(width) * GRID // max(width, 1)).clip(0, GRID - 1)
    index = rows[:, None] * GRID + cols[None, :]
    rgb = np.asarray(PALETTE, np.uint8)[index]
    alpha = np.full((height, width, 1), 255, np.uint8)
    return Image.fromarray(np.concatenate([rgb, alpha], axis=-1), "RGBA")


def cells(image: Image.Image) -> list[list[int]]:
    """RGBA at the centre of each cell, row by row."""
    rgba = image.convert("RGBA")
    width, height = rgba.size
    return [
        list(
            rgba.getpixel(
                ((2 * col + 1) * width // (2 * GRID), (2 * row + 1) * height // (2 * GRID))
            )
        )
        for row in range(GRID)
        for col in range(GRID)
    ]
