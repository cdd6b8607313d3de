"""What a validated request gets back: pictures, the JSON body, the stream events.

Owns `Output` (one rendered image, encoded, with its partial previews),
`render_job`, `response_body`, `stream_events` and the token `usage` estimate.
Shapes follow the spec's `ImagesResponse`, `ImageGenUsage` and the
`image_generation.*` / `image_edit.*` events (shared/openai-images.md sections 7
and 8). Usage numbers are plausible, not OpenAI's, but they bill what the
published prices say: output image tokens per model family (gpt-image-2 and
later: section 12.2's per-image price over the $30/M image-output rate; gpt-image-1,
1.5 and mini: gpt-image-1's token table), scaled by area for other sizes; input
image tokens from the vision tile formula; text tokens as length / 4.
Imports `render` and `validate` (for `Job`); no HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from . import blocks, render
from .validate import Job

# Output image tokens of one image, per model family. A size not listed is the
# square figure scaled by pixel area (section 12, "estimate from pixel area relative
# to 1024²"); "auto" quality arrives here already resolved to "high" (validate.py).
#
# gpt-image-1, -1.5, -1-mini and chatgpt-image-latest (still served by legacy,
# compatible servers): OpenAI's gpt-image-1 token counts as quoted in
# shared/openai-images.md section 12.2 "Sanity check" (from OpenAI's
# image-generation guide, not re-verified [?]); at $40/M they give gpt-image-1's
# per-image prices and at $32/M gpt-image-1.5's. xhigh/max: 2x and 4x high (no
# legacy model takes them; kept as before).
OUTPUT_SQUARE_LEGACY = {
    "low": 272,  # 12.2 sanity check: low square
    "medium": 1056,  # 12.2 sanity check: medium square
    "high": 4160,  # 12.2 sanity check: high square
    "xhigh": 8320,  # 2 x high (never asked: legacy models refuse xhigh)
    "max": 16640,  # 4 x high (as xhigh)
}
OUTPUT_STANDARD_LEGACY = {
    (1024, 1536): {"low": 408, "medium": 1584, "high": 6240},  # 12.2 sanity check: portrait
    (1536, 1024): {"low": 400, "medium": 1568, "high": 6208},  # 12.2 sanity check: landscape
}

# gpt-image-2 and later (gpt-image-2, its snapshot, 2.5-*, 2.6-*): no published token
# counts, so tokens = the per-image price of section 12.2's gpt-image-2 row divided
# by the image-output rate ($30 per 1M tokens: section 12.1's gpt-image-2 "Image out",
# and section A: the same for 2, 2.5 and 2.6). 2.5 and 2.6 have no per-image prices of their own:
# core/jobs/prices.json gives them gpt-image-2's, and so does the stand-in.
# Sources of the prices (section 12.2): yingtu.ai, ai-primer.com, gptimage.news;
# 0.211 = ~7024 tokens at $30/M per the community.openai.com "ChatGPT Images 2.0" thread.
OUTPUT_SQUARE_2 = {
    "low": 200,  # section 12.2: $0.006 / $30 per M
    "medium": 1767,  # section 12.2: $0.053 / $30 per M = 1766.7
    "high": 7033,  # section 12.2: $0.211 / $30 per M = 7033.3
}
OUTPUT_STANDARD_2 = {
    (1024, 1536): {
        "low": 167,  # section 12.2: $0.005 / $30 per M = 166.7
        "medium": 1367,  # section 12.2: $0.041 / $30 per M = 1366.7
        "high": 5500,  # section 12.2: $0.165 / $30 per M
    },
    # Landscape is priced as portrait, below square: "odd but reported consistently".
    (1536, 1024): {
        "low": 167,  # section 12.2: $0.005 / $30 per M = 166.7
        "medium": 1367,  # section 12.2: $0.041 / $30 per M = 1366.7
        "high": 5500,  # section 12.2: $0.165 / $30 per M
    },
}
# xhigh/max (2.5-* and 2.6-*): unpublished, billed by output tokens (section A). The
# stand-in bills them as core/jobs/prices.json's "quality_guesses" factors times the high
# figure at that size, so the estimate and the usage agree; the real counts are unknown.
HIGH_MULTIPLES_2 = {
    "xhigh": 2,  # core/jobs/prices.json quality_guesses.xhigh.factor (our guess, not OpenAI's)
    "max": 4,  # core/jobs/prices.json quality_guesses.max.factor (our guess, not OpenAI's)
}
PARTIAL_IMAGE_TOKENS = 100  # reported cost of each partial image (section 8) [?]


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


def render_blocks(job: Job) -> list[Output]:
    """Every image of `job` as the known colour blocks (blocks.py), partials alike."""
    fmt = job.output_format if job.rules.gpt else "png"
    final = render.encode(blocks.picture(job.width, job.height), fmt, job.compression)
    partials = (final,) * (job.partial_images or 0) if job.stream else ()
    return [Output(final, partials) for _ in range(job.n)]


def seed_for(job: Job, index: int) -> int:
    inputs = [hashlib.sha256(i.upload.data).hexdigest()[:16] for i in job.images]
    if job.endpoint != "generations":
        # "auto" and "opaque" edits differ (holes), so they must not share a seed:
        # bench/quick_standin.py memoises pictures by seed. Generations keep theirs.
        inputs.append(job.background_asked)
    if job.repeat:
        inputs.append(f"repeat {job.repeat}")
    return render.seed_of(
        job.endpoint, job.model, job.prompt, job.size, job.background, index, *inputs
    )


def _picture(job: Job, index: int, forced_holes: float) -> Image.Image:
    seed = seed_for(job, index)
    transparent = job.background == "transparent"
    if job.endpoint == "generations":
        return render.mark(render.generate(seed, job.width, job.height, transparent), job.prompt)
    region = edit_region(job)
    picture = render.edit(seed, job.images[0].image, job.width, job.height, region, transparent)
    picture = render.mark(picture, job.prompt, region)
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
    image_out = images * output_image_tokens(job.quality, job.width, job.height, job.model)
    image_out += partials * PARTIAL_IMAGE_TOKENS
    return {
        "input_tokens": text + image_in,
        "output_tokens": image_out,
        "total_tokens": text + image_in + image_out,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        "output_tokens_details": {"image_tokens": image_out, "text_tokens": 0},
    }


def images_2_or_later(model: str) -> bool:
    """gpt-image-2, its snapshots, 2.5-* and 2.6-* (and any later gpt-image-N)."""
    match = re.match(r"gpt-image-(\d+)", model)
    return match is not None and int(match.group(1)) >= 2


def output_image_tokens(quality: str, width: int, height: int, model: str = "gpt-image-1") -> int:
    """Output image tokens of one image of `model` (default: the gpt-image-1 table)."""
    if not images_2_or_later(model):
        square, standard = OUTPUT_SQUARE_LEGACY, OUTPUT_STANDARD_LEGACY
    elif quality in HIGH_MULTIPLES_2:
        return HIGH_MULTIPLES_2[quality] * output_image_tokens("high", width, height, model)
    else:
        square, standard = OUTPUT_SQUARE_2, OUTPUT_STANDARD_2
    table = standard.get((width, height), {})
    if quality in table:
        return table[quality]
    return round(square.get(quality, square["high"]) * width * height / 1024**2)


def input_image_tokens(size: tuple[int, int], fidelity: str | None) -> int:
    # The vision rule core/jobs/prices.json "input_image_tokens" documents (edit inputs
    # counted like vision inputs [?]): fit in 2048x2048, then bring the short side
    # down to 768 (never up), count 512 px tiles of the image's own sides; 85 + 170 a
    # tile. High input fidelity (gpt-image-1/1.5 only) costs an unpublished extra:
    # the stand-in doubles it (within prices.json's high_factor band of 4).
    fit = min(1.0, 2048 / max(size))
    fit *= min(1.0, 768 / (min(size) * fit))
    tiles = math.ceil(size[0] * fit / 512) * math.ceil(size[1] * fit / 512)
    tokens = 85 + 170 * tiles
    return tokens * 2 if fidelity == "high" else tokens
