"""What a validated request gets back: pictures, the JSON body, the stream events.

Owns `Output` (one rendered image, encoded, with its partial previews),
`render_job`, `response_body`, `stream_events` and the token `usage` estimate.
Shapes follow the spec's `ImagesResponse`, `ImageGenUsage` and the
`image_generation.*` / `image_edit.*` events (shared/openai-images.md sections 7
and 8). Usage numbers are plausible, not OpenAI's: output image tokens from the
gpt-image-1 table (272/1056/4160 for a low/medium/high square, scaled by area),
input image tokens from the vision tile formula, text tokens as length / 4.
Imports `render` and `validate` (for `Job`); no HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from . import render
from .validate import Job

OUTPUT_SQUARE = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 8320, "max": 16640}
OUTPUT_STANDARD = {
    (1024, 1536): {"low": 408, "medium": 1584, "high": 6240},
    (1536, 1024): {"low": 400, "medium": 1568, "high": 6208},
}
PARTIAL_IMAGE_TOKENS = 100  # reported cost of each partial image [?]


@dataclass(frozen=True)
class Output:
    final: bytes
    partials: tuple[bytes, ...]


def render_job(job: Job, forced_holes: float = 0.0) -> list[Output]:
    """Every image of `job`, encoded. `forced_holes` > 0: punch that fraction of
    transparent pixels into every edit result, whatever background was asked."""
    outputs = []
    fmt = job.output_format if job.rules.gpt else "png"
    for index in range(job.n):
        picture = _picture(job, index, forced_holes)
        previews = render.partials(picture, job.partial_images) if job.stream else []
        outputs.append(
            Output(
                final=render.encode(picture, fmt, job.compression),
                partials=tuple(render.encode(p, fmt, job.compression) for p in previews),
            )
        )
    return outputs


def seed_for(job: Job, index: int) -> int:
    inputs = [hashlib.sha256(i.upload.data).hexdigest()[:16] for i in job.images]
    if job.endpoint != "generations":
        # "auto" and "opaque" edits differ (holes), so they must not share a seed:
        # bench/quick_standin.py memoises pictures by seed. Generations keep theirs.
        inputs.append(job.background_asked)
    return render.seed_of(
        job.endpoint, job.model, job.prompt, job.size, job.background, index, *inputs
    )


def _picture(job: Job, index: int, forced_holes: float) -> Image.Image:
    seed = seed_for(job, index)
    transparent = job.background == "transparent"
    if job.endpoint == "generations":
        return render.generate(seed, job.width, job.height, transparent)
    region = edit_region(job)
    picture = render.edit(seed, job.images[0].image, job.width, job.height, region, transparent)
    fraction = forced_holes or hole_fraction(job)
    if fraction and job.output_format in ("png", "webp"):  # JPEG has no alpha to punch
        picture = render.punch_holes(seed, picture, region, fraction)
    return picture


def hole_fraction(job: Job) -> float:
    """Holes in a GPT edit unless `opaque` was asked: with "auto" (or nothing) a real
    edit came back a fifth transparent (section A), so clients must ask for opaque
    or cope; with "transparent" the holes are transparency that was asked for."""
    if job.endpoint != "edits" or not job.rules.gpt or job.background_asked == "opaque":
        return 0.0
    return render.HOLE_FRACTION


def edit_region(job: Job) -> Image.Image | None:
    """L image, 255 where the edit goes: alpha 0 of the mask, or the markup's strokes."""
    if job.mask is not None:
        alpha = job.mask.image.convert("RGBA").getchannel("A")
        return alpha.point(lambda a: 255 if a == 0 else 0)
    if job.markup is not None:
        alpha = job.markup.image.convert("RGBA").getchannel("A")
        return alpha.point(lambda a: 255 if a > 0 else 0)
    return None


def response_body(
    job: Job, outputs: list[Output], created: int, store_url: Callable[[bytes], str]
) -> dict[str, Any]:
    data = []
    for out in outputs:
        item: dict[str, Any] = {}
        if job.response_format == "url":
            item["url"] = store_url(out.final)
        else:
            item["b64_json"] = b64(out.final)
        if job.model == "dall-e-3":
            item["revised_prompt"] = f"{job.prompt.strip()}, in a {job.style} style."
        data.append(item)
    body: dict[str, Any] = {"created": created, "data": data}
    if job.rules.gpt:
        # DALL-E answers carried only `created` and `data`.
        body.update(
            background=job.background,
            output_format=job.output_format,
            size=job.size,
            quality=job.quality,
            usage=usage(job, job.n, 0),
        )
        if job.safety_identifier:
            body["safety_identifier"] = job.safety_identifier
    return body


def stream_events(job: Job, outputs: list[Output], created: int) -> Iterator[tuple[str, dict]]:
    """(event name, data) pairs: each image's partials, then its `completed` event."""
    prefix = "image_generation" if job.endpoint == "generations" else "image_edit"
    common = {
        "created_at": created,
        "size": job.size,
        "quality": job.quality,
        "background": job.background,
        "output_format": job.output_format,
    }
    for out in outputs:
        for index, partial in enumerate(out.partials):
            name = f"{prefix}.partial_image"
            yield (
                name,
                {"type": name, "b64_json": b64(partial), **common, "partial_image_index": index},
            )
        name = f"{prefix}.completed"
        yield (
            name,
            {
                "type": name,
                "b64_json": b64(out.final),
                **common,
                "usage": usage(job, 1, len(out.partials)),
            },
        )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def usage(job: Job, images: int, partials: int) -> dict[str, Any]:
    text = max(1, math.ceil(len(job.prompt) / 4))
    image_in = sum(input_image_tokens(i.image.size, job.input_fidelity) for i in job.images)
    image_out = images * output_image_tokens(job.quality, job.width, job.height)
    image_out += partials * PARTIAL_IMAGE_TOKENS
    return {
        "input_tokens": text + image_in,
        "output_tokens": image_out,
        "total_tokens": text + image_in + image_out,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        "output_tokens_details": {"image_tokens": image_out, "text_tokens": 0},
    }


def output_image_tokens(quality: str, width: int, height: int) -> int:
    table = OUTPUT_STANDARD.get((width, height), {})
    if quality in table:
        return table[quality]
    return round(OUTPUT_SQUARE.get(quality, OUTPUT_SQUARE["high"]) * width * height / 1024**2)


def input_image_tokens(size: tuple[int, int], fidelity: str | None) -> int:
    # Fit in 2048x2048, then bring the short side down to 768, count 512 px tiles.
    fit = min(1.0, 2048 / max(size))
    fit *= min(1.0, 768 / (min(size) * fit))
    tiles = math.ceil(size[0] * fit / 512) * math.ceil(size[1] * fit / 512)
    tokens = 85 + 170 * tiles
    return tokens * 2 if fidelity == "high" else tokens
