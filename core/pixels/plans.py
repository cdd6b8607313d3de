"""What planning works from and what it decides: the snapshot and the plans.

Owns `CanvasSnapshot` (what an adapter read: pixels of the context source,
selection coverage, where they sit in the document), `ContextOptions` (how much
context the model sees) and the plans planning.py makes from them: `EditPlan`
(edits and variations) and `GeneratePlan`. They are plain values, so they cross
from the host's main thread to the job's worker as they are.

Imports geometry.py and imaging.py (the pixel and upload types); no host, GUI
or network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .geometry import Bounds, Extent, Point
from .imaging import Image, Mask, Plane, UploadImage


@dataclass(frozen=True, eq=False)
class CanvasSnapshot:
    """What an adapter read: `image` covers `Bounds(origin, image.extent)` in
    document coordinates (a GIMP layer may be offset from the canvas and smaller
    than it); `selection` is coverage in document coordinates, None when nothing
    is selected; `canvas` is the document's rectangle (None: the image's)."""

    image: Image
    origin: Point
    selection: Mask | None
    document_name: str
    layer_name: str = ""
    canvas: Bounds | None = None

    @property
    def image_bounds(self) -> Bounds:
        return Bounds.from_extent(self.image.extent, self.origin)

    @property
    def canvas_bounds(self) -> Bounds:
        return self.canvas if self.canvas is not None else self.image_bounds


@dataclass(frozen=True)
class ContextOptions:
    """How much of the canvas around the selection the model sees.

    `padding_px` is added on every side; `padding_share`, when set, pads by that
    share of the selection's longer side instead if that is more. `whole_image`
    sends the whole canvas. `grow_px` widens the API mask, in API pixels.
    """

    padding_px: int = 64
    padding_share: float | None = None
    whole_image: bool = False
    grow_px: int = 8

    def padding_for(self, target: Bounds) -> int:
        pad = self.padding_px
        if self.padding_share is not None:
            pad = max(pad, round(self.padding_share * max(target.width, target.height)))
        return max(0, pad)


@dataclass(frozen=True, eq=False)
class EditPlan:
    """One edit (or variation) request and where its answer goes.

    `fill` is "selection" (blend through the selection), "alpha" (fill the
    layer's transparent pixels) or "variation" (the whole region is replaced).
    `soft_mask` is coverage at region size; `source` is the original crop.
    """

    region: Bounds
    api_extent: Extent
    image: UploadImage
    mask: UploadImage | None
    soft_mask: Plane = field(repr=False)  # coverage at region size, the engine's plane
    source: Image
    fill: str
    endpoint: str
    canvas: Bounds
    mask_image: Image | None = None

    @property
    def size(self) -> str:
        return str(self.api_extent)


@dataclass(frozen=True)
class GeneratePlan:
    region: Bounds
    api_extent: Extent

    @property
    def size(self) -> str:
        return str(self.api_extent)
