"""Which size to ask the API for, and which crop of the canvas goes with it.

Owns `choose_api_size` (a region's extent and the model's size rule in, the
WIDTHxHEIGHT to request out), `fit_region_to_aspect` (grow the context crop
to the request's aspect, so the crop is scaled, never stretched) and
`grow_region_to_api_size` (grow it on to the request's size where the canvas
has room, so it is not scaled at all). Pure
arithmetic on the catalogue's `SizeRule`; imports nothing from hosts or the
network.

Size preferences: "auto" (the default: small regions are asked for at about the
model's working size so a small selection comes out sharp, their context crop
grown to that size where the canvas has room and enlarged where it has not;
large ones are shrunk to stay out of the experimental range), "native" (keep
the region's own pixel size where the rule allows, experimental sizes
included), or an explicit "WIDTHxHEIGHT" that the model's rule must accept.
"""

from __future__ import annotations

import math

from ..errors import ValidationError
from ..models.catalogue import ModelSpec, SizeRule, parse_size
from .geometry import Bounds, Extent

PREFERENCES = ("auto", "native")


class SizeError(ValidationError, ValueError):
    """A requested size the model does not accept; the message names the rule."""

    def __init__(self, rule: str) -> None:
        super().__init__("size", rule)
        self.args = (rule,)

    def __str__(self) -> str:
        return self.rule


def choose_api_size(spec: ModelSpec, region: Extent, preference: str = "auto") -> Extent:
    """The size to request from `spec` for a context crop of extent `region`."""
    pref = preference.strip().lower()
    if pref not in PREFERENCES:
        return _explicit_size(spec, preference)
    if region.is_empty:
        raise SizeError(f"cannot choose a size for an empty region ({region})")
    rule = spec.size_rule
    if rule.kind == "free":
        return _free_size(rule, region, spec.working_size, native=pref == "native")
    return _closest_fixed(rule, region, spec.working_size)


def fit_region_to_aspect(
    region: Bounds, aspect: float, within: Bounds, keep: Bounds | None = None
) -> Bounds:
    """Grow `region` around its centre to width/height `aspect`, then shift it to lie
    inside `within` (the canvas).

    When `within` is too small on one axis, that axis is cut to it and the other
    is trimmed back towards the aspect, but never so far that it loses `keep`
    (the selection; without it, `region` is kept whole). The request absorbs
    whatever small aspect difference remains.
    """
    grown = region.grow_to_aspect(aspect).move_inside(within)
    if within.contains(grown):
        return grown
    fitted = grown.intersect(within)
    if keep is None or fitted.is_empty:
        return fitted
    width, height = fitted.width, fitted.height
    if width / height > aspect:
        width = min(width, max(keep.width, round(height * aspect)))
    else:
        height = min(height, max(keep.height, round(width / aspect)))
    cx, cy = keep.center
    trimmed = Bounds(round(cx - width / 2), round(cy - height / 2), width, height)
    return trimmed.move_inside(fitted)


def grow_region_to_api_size(region: Bounds, api: Extent, within: Bounds) -> Bounds:
    """`region` grown around its centre to exactly `api` and shifted inside `within`
    (the canvas), when the request is at least as large on both axes and the canvas
    has room for it; else `region` as it is.

    The crop is then sent and put back pixel for pixel: no resample either way
    (each one softens the picture and costs about as much as the encode, P1 in
    docs/performance.md) and more context for the same price, since the API size
    does not change. Both axes or neither: a crop grown on one axis only would be
    stretched by the request. So where the canvas is narrower (or shorter) than
    the request, or the request is smaller than the crop, the crop keeps the
    request's aspect and is scaled, as before. A grown crop still holds `region`:
    it contains it, and moving it inside a canvas that holds both keeps it so.
    """
    if region.extent == api or not region.extent.fits_in(api):
        return region
    if api.width > within.width or api.height > within.height:
        return region
    grown = Bounds(
        region.x - (api.width - region.width) // 2,
        region.y - (api.height - region.height) // 2,
        api.width,
        api.height,
    )
    return grown.move_inside(within)


def _explicit_size(spec: ModelSpec, preference: str) -> Extent:
    text = preference.strip().lower()
    parsed = parse_size(text)
    if parsed is None:
        raise SizeError(
            f"size {preference!r} must be 'auto', 'native' or WIDTHxHEIGHT, for example 1536x1024"
        )
    problem = spec.size_rule.check(text)
    if problem:
        raise SizeError(f"{spec.id} does not accept the size {text}: {problem}")
    return Extent(*parsed)


def _free_size(rule: SizeRule, region: Extent, working_size: int, native: bool) -> Extent:
    aspect = min(max(region.aspect, 1 / rule.max_aspect), rule.max_aspect)
    cap = float(rule.max_pixels or math.inf)
    if not native and rule.experimental_above_pixels:
        cap = min(cap, rule.experimental_above_pixels)
    area = float(region.pixels)
    if not native:
        area = max(area, float(working_size * working_size))
    if rule.max_edge:  # the long side must fit too
        area = min(area, rule.max_edge**2 * min(aspect, 1 / aspect))
    area = min(max(area, float(rule.min_pixels)), cap)
    return _round_free(rule, aspect, area, cap)


def _round_free(rule: SizeRule, aspect: float, area: float, cap: float) -> Extent:
    """The valid multiple-of-`rule.multiple` size nearest to `aspect` and `area`.

    Candidates are the multiples around the ideal width and height; distortion
    weighs four times as much as area, since the result is scaled back anyway.
    """
    m = rule.multiple
    ideal_w, ideal_h = math.sqrt(area * aspect), math.sqrt(area / aspect)
    best: tuple[float, Extent] | None = None
    for w in _multiples_near(ideal_w, m):
        for h in _multiples_near(ideal_h, m):
            if w * h > cap or rule.check(f"{w}x{h}") is not None:
                continue
            score = 4 * abs(math.log(w / h / aspect)) + abs(math.log(w * h / area))
            if best is None or score < best[0]:
                best = (score, Extent(w, h))
    if best is None:
        raise SizeError(f"no size near {ideal_w:.0f}x{ideal_h:.0f} satisfies the model's rule")
    return best[1]


def _multiples_near(value: float, m: int) -> range:
    base = int(value // m) * m
    return range(max(m, base - 2 * m), base + 3 * m, m)


def _closest_fixed(rule: SizeRule, region: Extent, working_size: int) -> Extent:
    """The allowed size closest in aspect; among equal aspects (dall-e-2's squares)
    the smallest that reaches the working size, else the largest."""
    sizes = [Extent(*p) for p in (parse_size(s) for s in rule.sizes) if p is not None]
    if not sizes:
        raise SizeError("the model lists no explicit size to choose from")

    def distortion(e: Extent) -> float:
        return round(abs(math.log(e.aspect / region.aspect)), 9)

    least = min(distortion(e) for e in sizes)
    same = sorted((e for e in sizes if distortion(e) == least), key=lambda e: e.pixels)
    big_enough = [e for e in same if e.pixels >= working_size * working_size]
    return big_enough[0] if big_enough else same[-1]
