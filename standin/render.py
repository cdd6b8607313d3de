"""Deterministic stand-in pictures: generations, edits, variations, partial images.

Owns the pixel side of the stand-in. Everything is seeded from text (prompt,
model, size, image index), so the same request gives the same bytes.

- generate: smooth gradients plus soft shapes in seeded colours; with a
  transparent background only the shapes are opaque (real alpha).
- edit with a mask (alpha 0 = edit here, spec `CreateImageEditRequest.mask`):
  the masked area is painted with the seeded pattern, and every pixel outside
  it moves by 1..3 per channel with a slight warm bias. The real models
  re-render the whole frame, so a client that does not composite the result
  through its own mask will see the drift (that is what the tests look for).
- edit without a mask, and variations: the whole image is re-coloured and
  mixed with the pattern, keeping its layout.
- holes: a few blobs of fully transparent pixels (RGB kept) punched into an
  edit result, inside the edited area first, as GPT edits with background
  "auto" have come back (shared/openai-images.md section A).
- partials: the final image blurred less and less.
- the mark: every generated or edited picture says what it is, "local stand-in"
  and the prompt's first words, drawn where the picture was painted (inside the
  mask of an edit), so a demo's results cannot pass for the model's work.

Imports numpy and Pillow only.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PATTERN_EDGE = 384  # the pattern is drawn at this size, then scaled: cheap at 4K
TILE = (263, 257)  # perturbation tile (coprime sides, so no visible grid)
DRIFT_UP = np.array([0.75, 0.5, 0.25])  # chance of +delta per channel: a small warm shift
# Section A: one real inpaint with background "auto" had 21.7 % of its pixels at alpha 0.
HOLE_FRACTION = 0.217
HOLE_GRID = 5  # a smooth field from 5x5 random values: its top fifth is a few blobs
MARK = "local stand-in"
MARK_WORDS = 6  # of the prompt, after the mark


def seed_of(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def pattern(seed: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """RGB pixels (H, W, 3) and shape coverage (H, W), both uint8."""
    rng = np.random.default_rng(seed)
    scale = PATTERN_EDGE / max(width, height)
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    xs = np.arange(w, dtype=np.float32)[None, :] / max(w - 1, 1)
    ys = np.arange(h, dtype=np.float32)[:, None] / max(h - 1, 1)
    colours = _palette(rng, 6)
    angle = rng.uniform(0, 2 * np.pi)
    t = xs * np.cos(angle) + ys * np.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    rgb = colours[0] * (1 - t)[..., None] + colours[1] * t[..., None]
    cover = np.zeros((h, w), np.float32)
    aspect = w / h
    for colour in colours[2:]:
        cx, cy = rng.uniform(0.15, 0.85, 2)
        radius = rng.uniform(0.08, 0.25)
        distance = np.hypot((xs - cx) * aspect, ys - cy)
        shape = np.clip((radius - distance) * 40 + 0.5, 0, 1)
        rgb = rgb * (1 - shape[..., None]) + colour * shape[..., None]
        cover = np.maximum(cover, shape)
    size = (width, height)
    big_rgb = Image.fromarray(_to_u8(rgb)).resize(size, Image.Resampling.BILINEAR)
    big_cover = Image.fromarray(_to_u8(cover * 255)).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(big_rgb), np.asarray(big_cover)


def _palette(rng: np.random.Generator, count: int) -> np.ndarray:
    hues = rng.uniform(0, 1, count)
    saturation = rng.uniform(0.45, 0.9, count)
    value = rng.uniform(0.45, 0.95, count)
    rgb = [_hsv_to_rgb(h, s, v) for h, s, v in zip(hues, saturation, value, strict=True)]
    return np.array(rgb, np.float32) * 255


def _hsv_to_rgb(h: float, s: float, v: float) -> tuple[float, float, float]:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]


def generate(seed: int, width: int, height: int, transparent: bool) -> Image.Image:
    rgb, cover = pattern(seed, width, height)
    if not transparent:
        return Image.fromarray(rgb)
    return Image.fromarray(np.dstack([rgb, cover]))


def edit(
    seed: int,
    base: Image.Image,
    width: int,
    height: int,
    region: Image.Image | None,
    transparent: bool,
) -> Image.Image:
    """Edit `base` at width x height. `region`: L image, 255 where the edit goes.

    With no region the whole image is re-coloured (edit without mask, variation).
    """
    source = np.asarray(base.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS))
    rgb, alpha = source[..., :3], source[..., 3]
    paint, cover = pattern(seed, width, height)
    if region is None:
        out = _recolour(seed, rgb.astype(np.float32)) * 0.65 + paint.astype(np.float32) * 0.35
        out_rgb = _to_u8(out)
        out_alpha = alpha
    else:
        where = np.asarray(region.resize((width, height), Image.Resampling.NEAREST)) > 0
        out_rgb = perturb(seed, rgb)
        out_rgb[where] = paint[where]
        out_alpha = alpha.copy()
        out_alpha[where] = cover[where] if transparent else 255
    if not transparent:
        return Image.fromarray(out_rgb)
    return Image.fromarray(np.dstack([out_rgb, out_alpha]))


def mark(picture: Image.Image, prompt: str, region: Image.Image | None = None) -> Image.Image:
    """`picture` with "local stand-in: <the prompt's first words>" on a dark band, in
    its colour channels only (alpha, and so the holes and transparency, is untouched),
    inside the box of `region` (L, 255 = painted) when there is one."""
    width, height = picture.size
    box = (0, 0, width, height)
    if region is not None:
        box = region.resize(picture.size, Image.Resampling.NEAREST).getbbox() or box
    left, top, right, bottom = box
    words = " ".join(prompt.split()[:MARK_WORDS])
    text = f"{MARK}: {words}" if words else MARK
    # sized to take about 70 % of the box's width, centred: the middle of a round
    # selection is inside it, its corners are not
    size = int(max(8, min(64, 0.7 * (right - left) / (0.55 * len(text)), (bottom - top) / 4)))
    font = ImageFont.load_default(size=size)
    rgba = picture.convert("RGBA")
    rgb = rgba.convert("RGB")
    draw = ImageDraw.Draw(rgb)
    centre = ((left + right) // 2, (top + bottom) // 2)
    frame = draw.textbbox(centre, text, font=font, anchor="mm")
    draw.rectangle((frame[0] - 4, frame[1] - 4, frame[2] + 4, frame[3] + 4), fill=(24, 24, 24))
    draw.text(centre, text, fill=(255, 255, 255), font=font, anchor="mm")
    marked = rgb.convert("RGBA")
    marked.putalpha(rgba.getchannel("A"))
    return marked if picture.mode == "RGBA" else marked.convert(picture.mode)


def perturb(seed: int, rgb: np.ndarray) -> np.ndarray:
    """Every channel of every pixel moves by 1..3, mostly upwards in red, down in blue."""
    rng = np.random.default_rng(seed ^ 0x5EED)
    size = (*TILE, 3)
    magnitude = rng.integers(1, 4, size=size).astype(np.int16)
    sign = np.where(rng.random(size) < DRIFT_UP, 1, -1).astype(np.int16)
    height, width = rgb.shape[:2]
    reps = (-(-height // TILE[0]), -(-width // TILE[1]), 1)
    delta = np.tile(sign * magnitude, reps)[:height, :width]
    values = rgb.astype(np.int16)
    moved = values + delta
    # Reflect at the ends of the range, so no pixel is left unchanged by clipping.
    moved = np.where((moved < 0) | (moved > 255), values - delta, moved)
    return moved.astype(np.uint8)


def punch_holes(
    seed: int, image: Image.Image, region: Image.Image | None, fraction: float = HOLE_FRACTION
) -> Image.Image:
    """`image` as RGBA with round(`fraction` of its pixels) at alpha 0, its RGB kept.

    The holes are the highest points of a smooth seeded field, so they form a few
    blobs. `region` (L, 255 = edited; None = the whole image) ranks first, so the
    blobs sit inside the edited area and spill outside only when it is too small
    to hold them all: the count stays the one seen in the field.
    """
    rgba = np.array(image.convert("RGBA"))
    height, width = rgba.shape[:2]
    count = min(round(fraction * width * height), width * height)
    if count <= 0:
        return Image.fromarray(rgba)
    rng = np.random.default_rng(seed ^ 0x401E5)
    coarse = Image.fromarray(rng.random((HOLE_GRID, HOLE_GRID)).astype(np.float32), mode="F")
    score = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC), np.float32)
    if region is not None:
        inside = np.asarray(region.resize((width, height), Image.Resampling.NEAREST)) > 0
        score = score + np.where(inside, 4.0, 0.0).astype(np.float32)  # above any field value
    holes = np.zeros(width * height, bool)
    holes[np.argpartition(-score.ravel(), count - 1)[:count]] = True
    rgba[..., 3][holes.reshape(height, width)] = 0
    return Image.fromarray(rgba)


def _recolour(seed: int, rgb: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed ^ 0xC0101)
    mix = np.eye(3, dtype=np.float32) * 0.8 + rng.uniform(0, 0.2, (3, 3)).astype(np.float32)
    mix /= mix.sum(axis=1, keepdims=True)
    offset = rng.uniform(-25, 25, 3).astype(np.float32)
    return rgb @ mix.T + offset


def _to_u8(pixels: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def partials(final: Image.Image, count: int) -> list[Image.Image]:
    """`count` previews of `final`, each less blurred than the one before."""
    longest = max(final.size)
    return [
        final.filter(ImageFilter.GaussianBlur(longest * 0.04 * (count - i) / count))
        for i in range(count)
    ]


def encode(image: Image.Image, output_format: str, compression: int) -> bytes:
    """PNG, WebP or JPEG bytes. `compression` is the API's 0..100 (quality for lossy)."""
    buffer = io.BytesIO()
    if output_format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=compression)
    elif output_format == "webp":
        image.save(buffer, "WEBP", quality=compression)
    else:
        image.save(buffer, "PNG", compress_level=1)  # fast; sizes stay realistic (MBs)
    return buffer.getvalue()


def noise_png(megabytes: float) -> bytes:
    """A valid PNG of at least `megabytes` MiB: incompressible noise, stored uncompressed."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 16
    rng = np.random.default_rng(seed_of("oversized", side))
    pixels = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def facts(encoded: bytes) -> dict[str, object]:
    """Size and the share of fully transparent pixels of an image we sent back."""
    with Image.open(io.BytesIO(encoded)) as img:
        rgba = np.asarray(img.convert("RGBA"))
    alpha0 = float((rgba[..., 3] == 0).mean()) if rgba.size else 0.0
    return {"width": int(rgba.shape[1]), "height": int(rgba.shape[0]), "alpha0_fraction": alpha0}
