"""P1, P2 and P6: the plug-in's pixel work against the floor and the naive pipeline.

    python -m bench.pipeline p1 --size 8192 [--rounds 5] [--naive-rounds 2]
    python -m bench.pipeline p2 [--rounds 5]

Prints one JSON object. `p1` runs in a child process per canvas size, so each
size starts with a clean heap and its peak memory (P6) is its own.

P1, for a canvas of size² with a 1024² selection feathered by 32 px in its
middle, on the default model:
- request: snapshot arrays -> request bytes (`plan_edit`: crop, scale to the API
  size, encode the image, build and encode the mask) against the floor, one
  lossless encode of the API-sized image (WebP, method 0, as sent), and
  against the naive pipeline (whole canvas and mask as PNG at Pillow defaults);
- response: the API's PNG bytes -> LayerPatch (`Image.decode` + `composite`)
  against the floor, one decode of that PNG, and against the naive pipeline
  (decode, scale to the canvas, composite at canvas size).
P6 (at every size, reported for 8192²): peak extra resident memory of one edit
from the host's BGRA bytes to the patch, ours and naive.
P2: bytes and encode time of the upload (image + mask) against PNG level 6 of
the same pixels, photo-like and flat content, and whether the pixels survive.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import Any

import numpy as np
from PIL import Image as PILImage

from core.models.catalogue import DEFAULT_MODEL, get_model
from core.pixels.geometry import Bounds, Extent, Point
from core.pixels.imaging import Image, Mask, encode_mask, encode_upload
from core.pixels.masks import to_api_mask
from core.pixels.planning import CanvasSnapshot, ContextOptions, composite, plan_edit

from . import content, naive
from .measure import PeakMemory, interleave, timed

SELECTION = 1024
FEATHER = 32


def _webp(img: PILImage.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="WEBP", lossless=True, method=0, quality=0, exact=True)
    return buf.getvalue()


def _png(img: PILImage.Image, level: int = 6) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def _decode(data: bytes) -> PILImage.Image:
    with PILImage.open(io.BytesIO(data)) as img:
        img.load()
        return img


def _selection(size: int) -> tuple[np.ndarray, int, int]:
    """The feathered selection's coverage (clipped to the canvas, as hosts hand it
    out) and its top-left corner in the canvas."""
    coverage = content.feathered_selection(SELECTION, FEATHER)
    at = (size - coverage.shape[0]) // 2
    if at >= 0:
        return coverage, at, at
    cut = -at
    return coverage[cut : cut + size, cut : cut + size].copy(), 0, 0


def response_png(extent: Extent) -> bytes:
    """What the API sends back: an opaque PNG of the requested size."""
    rgb = content.photo_like(extent.width, extent.height, seed=7)[..., :3]
    return _png(PILImage.fromarray(np.ascontiguousarray(rgb)))


def p1(size: int, rounds: int, naive_rounds: int) -> dict[str, Any]:
    spec = get_model(DEFAULT_MODEL)
    canvas = content.photo_like(size, size)
    coverage, x, y = _selection(size)
    sel_bounds = Bounds(x, y, coverage.shape[1], coverage.shape[0])
    snapshot = CanvasSnapshot(
        Image(canvas),
        Point(0, 0),
        Mask(coverage, sel_bounds),
        "bench",
        None,
        Bounds(0, 0, size, size),
    )
    plan = plan_edit(snapshot, spec)
    api_image = plan.source.resize(plan.api_extent).to_pil()
    resp = response_png(plan.api_extent)
    host_bytes = canvas[..., [2, 1, 0, 3]].tobytes()  # what Krita's pixelData hands over

    memory = _p6(size, spec, host_bytes, coverage, sel_bounds, resp)
    contenders = {
        "ours_request": lambda: plan_edit(snapshot, spec),
        "floor_request": lambda: _webp(api_image),
        "naive_request": lambda: naive.request(canvas, coverage, x, y),
        "ours_response": lambda: composite(plan, Image.decode(resp)),
        "floor_response": lambda: _decode(resp),
        "naive_response": lambda: naive.response(resp, canvas, coverage, x, y),
    }
    # The same edit with the context padded until the crop is the request's size:
    # nothing to resample either way (the API size is the same, so is the floor).
    # Since issue 19 the plan grows its crop so wherever the canvas has room: then
    # this is the plan itself, and not run twice.
    pad = (plan.api_extent.width - coverage.shape[1]) // 2
    wide = ContextOptions(padding_px=pad)
    native = plan_edit(snapshot, spec, wide)
    if native.region.extent == native.api_extent == plan.api_extent != plan.region.extent:
        contenders["native_request"] = lambda: plan_edit(snapshot, spec, wide)
        contenders["native_response"] = lambda: composite(native, Image.decode(resp))
    runs = interleave(
        contenders, rounds, {"naive_request": naive_rounds, "naive_response": naive_rounds}
    )
    # the P6 run of the naive pipeline is one more timed run of it
    for name in ("naive_request", "naive_response"):
        runs.seconds[name].append(memory["naive_seconds"][name])
    return {
        "size": size,
        "model": spec.id,
        "selection": [x, y, coverage.shape[1], coverage.shape[0]],
        "region": [plan.region.x, plan.region.y, plan.region.width, plan.region.height],
        "api_size": str(plan.api_extent),
        "upload_bytes": len(plan.image.data) + (len(plan.mask.data) if plan.mask else 0),
        "seconds": runs.seconds,
        "median": {name: runs.median(name) for name in runs.seconds},
        "ratio": {
            "request_vs_floor": runs.ratio("ours_request", "floor_request"),
            "response_vs_floor": runs.ratio("ours_response", "floor_response"),
            "naive_vs_ours_request": runs.ratio("naive_request", "ours_request"),
            "naive_vs_ours_response": runs.ratio("naive_response", "ours_response"),
            "native_request_vs_floor": runs.ratio("native_request", "floor_request"),
            "native_response_vs_floor": runs.ratio("native_response", "floor_response"),
        },
        "memory": {k: v for k, v in memory.items() if k != "naive_seconds"},
        "canvas_bytes": size * size * 4,
    }


def _p6(
    size: int, spec: Any, host_bytes: bytes, coverage: np.ndarray, sel: Bounds, resp: bytes
) -> dict[str, Any]:
    """One edit each way from the host's bytes, under a peak-memory probe."""
    cov_bytes = coverage.tobytes()

    def ours() -> None:
        snapshot = CanvasSnapshot(
            Image.from_bgra_bytes(host_bytes, size, size),
            Point(0, 0),
            Mask.from_bytes(cov_bytes, sel),
            "bench",
            canvas=Bounds(0, 0, size, size),
        )
        plan = plan_edit(snapshot, spec)
        composite(plan, Image.decode(resp))

    with PeakMemory() as mem_ours:
        ours()
    seconds: dict[str, float] = {}

    def naive_edit() -> None:
        canvas = Image.from_bgra_bytes(host_bytes, size, size).pixels  # as ours does
        cov = np.frombuffer(cov_bytes, np.uint8).reshape(sel.height, sel.width)
        seconds["naive_request"], _ = timed(lambda: naive.request(canvas, cov, sel.x, sel.y))
        seconds["naive_response"], _ = timed(
            lambda: naive.response(resp, canvas, cov, sel.x, sel.y)
        )

    with PeakMemory() as mem_naive:
        naive_edit()
    return {
        "ours_extra_bytes": mem_ours.extra_bytes,
        "naive_extra_bytes": mem_naive.extra_bytes,
        "method": mem_ours.method,
        "naive_seconds": seconds,
    }


def p2(rounds: int) -> dict[str, Any]:
    """Upload bytes and encode time, ours against PNG level 6, per kind of content."""

    spec = get_model(DEFAULT_MODEL)
    api = Extent(1536, 1536)
    region = 1216  # the padded 1088² selection grown to the request's aspect, as in P1
    soft = np.zeros((region, region), np.uint8)
    inner = content.feathered_selection(SELECTION, FEATHER)
    at = (region - inner.shape[0]) // 2
    soft[at : at + inner.shape[0], at : at + inner.shape[1]] = inner
    mask_image = to_api_mask(soft, api, 8)
    out: dict[str, Any] = {"api_size": str(api), "model": spec.id}
    for kind, make in (("photo", content.photo_like), ("flat", content.flat_art)):
        image = Image(make(api.width, api.height))

        def ours(image: Image = image) -> tuple[bytes, bytes]:
            return encode_upload(image, spec).data, encode_mask(mask_image).data

        def png6(image: Image = image) -> tuple[bytes, bytes]:
            return _png(image.to_pil()), _png(mask_image.to_pil())

        sizes: dict[str, int] = {}

        def keep(name: str, _round: int, value: tuple[bytes, bytes], sizes=sizes) -> None:
            sizes[name] = len(value[0]) + len(value[1])

        runs = interleave({"ours": ours, "png6": png6}, rounds, on_result=keep)
        parts = interleave(
            {
                "ours_image": lambda image=image: encode_upload(image, spec),
                "ours_mask": lambda: encode_mask(mask_image),
                "png6_image": lambda image=image: _png(image.to_pil()),
                "png6_mask": lambda: _png(mask_image.to_pil()),
            },
            2,
        )
        upload = encode_upload(image, spec)
        lossless = np.array_equal(Image.decode(upload.data).pixels, image.pixels)
        out[kind] = {
            "ours_bytes": sizes["ours"],
            "png6_bytes": sizes["png6"],
            "ours_format": upload.mime,
            "seconds": runs.seconds,
            "median": {name: runs.median(name) for name in runs.seconds},
            "speedup": runs.ratio("png6", "ours"),
            "parts_median": {name: parts.median(name) for name in parts.seconds},
            "parts_bytes": {
                "ours_image": len(upload.data),
                "ours_mask": len(encode_mask(mask_image).data),
                "png6_image": len(_png(image.to_pil())),
                "png6_mask": len(_png(mask_image.to_pil())),
            },
            "lossless": bool(lossless),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("what", choices=("p1", "p2"))
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--naive-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.what == "p1":
        result = p1(args.size, args.rounds, max(0, args.naive_rounds - 1))
    else:
        result = p2(args.rounds)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
