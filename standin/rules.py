"""The stand-in's own table of per-model rules, read from the published contract.

Owns `ModelRules`, `FreeSize`, the `MODELS` table with each model's shutdown
date, and the size maths (checking a requested size, choosing a size for
"auto"). Whether a model is alive on a given day is lifecycle.py's question.
Sources: shared/openai-images.md section A (the state on 2026-12-02, which
wins), sections 3 to 6, and the spec schemas
`CreateImageRequest`, `CreateImageEditRequest`, `CreateImageVariationRequest`.

This table is deliberately independent of core/models/catalogue.py and core/models/models.json:
the stand-in exists to check the client, so it must not share the client's
reading of the contract. Imports only `errors` from the stand-in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date

from .errors import ApiError, invalid_value

MIB = 1024 * 1024
STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
GPT_QUALITIES = ("low", "medium", "high", "auto")
EDIT_MIMES = ("image/png", "image/jpeg", "image/webp")
SIZE_PATTERN = re.compile(r"^([1-9][0-9]{0,5})x([1-9][0-9]{0,5})$")


@dataclass(frozen=True)
class FreeSize:
    """Any WxH within these limits (gpt-image-2*, 2.5-*, 2.6-*; spec `size`).

    The spec states multiples of 16, aspect 1:3..3:1, max 3840x2160 and "the
    model's pixel and edge limits"; the edge and pixel numbers are the ones the
    secondary sources agree on (shared/openai-images.md section 6).
    """

    multiple: int = 16
    max_ratio: float = 3.0
    max_edge: int = 3840
    min_pixels: int = 655_360
    max_pixels: int = 8_294_400


@dataclass(frozen=True)
class ModelRules:
    """What one model id accepts. Field names follow the request fields."""

    id: str
    family: str  # "gpt-image" or "dall-e"
    endpoints: frozenset[str] = frozenset({"generations", "edits"})
    shutdown: date | None = None  # OpenAI's: the first day the model answers 404
    prompt_max: int = 32000
    n_max: int = 10
    sizes: tuple[str, ...] = STANDARD_SIZES
    free_size: FreeSize | None = None
    auto_size: bool = True
    qualities: tuple[str, ...] = GPT_QUALITIES
    styles: tuple[str, ...] = ()
    input_fidelity: tuple[str, ...] = ()  # empty: the field is refused
    markup: bool = False
    complexity: tuple[str, ...] = ()  # empty: the field is refused
    edit_images_max: int = 16
    edit_mimes: tuple[str, ...] = EDIT_MIMES
    edit_image_max_bytes: int = 50 * MIB  # "less than 50MB"
    mask_max_bytes: int = 4 * MIB  # "less than 4MB"
    square_png_only: bool = False  # dall-e-2 edits and variations
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def gpt(self) -> bool:
        return self.family == "gpt-image"


def _gpt(model_id: str, **changes: object) -> ModelRules:
    return replace(ModelRules(id=model_id, family="gpt-image"), **changes)  # type: ignore[arg-type]


_FREE = FreeSize()
_QUALITIES_25 = ("low", "medium", "high", "xhigh", "max", "auto")
_COMPLEXITY = ("low", "medium", "high")
# Section A: shut down on OpenAI on these days (deprecations page).
DALLE_GONE = date(2026, 5, 12)
GPT_IMAGE_1_GONE = date(2026, 10, 23)
GPT_IMAGE_15_GONE = date(2026, 12, 1)


def _build_table() -> dict[str, ModelRules]:
    rules = [
        # Section A: "omit input_fidelity for gpt-image-2"; the later 2.x ids are
        # given the same rule (nothing says they take it).
        _gpt("gpt-image-2", free_size=_FREE),
        _gpt("gpt-image-2-2026-04-21", free_size=_FREE),
        # Section A: markup and xhigh/max for 2.5 (SDK) and 2.6 (secondary sources);
        # `complexity` only for 2.6, as the one source that says which models take
        # it names 2.6 alone: a 2.5 request with it is refused, so a client that
        # sends it where the catalogue does not say so is caught.
        *(
            _gpt(i, free_size=_FREE, markup=True, qualities=_QUALITIES_25)
            for i in (
                "gpt-image-2.5-sunburst",
                "gpt-image-2.5-sunburst-2026-09-08",
                "gpt-image-2.5-flare",
                "gpt-image-2.5-flare-2026-09-08",
            )
        ),
        *(
            _gpt(i, free_size=_FREE, markup=True, qualities=_QUALITIES_25, complexity=_COMPLEXITY)
            for i in ("gpt-image-2.6-sunburst", "gpt-image-2.6-flare")
        ),
        _gpt("gpt-image-1.5", shutdown=GPT_IMAGE_15_GONE, input_fidelity=("high", "low")),
        _gpt(
            "gpt-image-1.5-2025-12-16", shutdown=GPT_IMAGE_15_GONE, input_fidelity=("high", "low")
        ),
        # The spec lists chatgpt-image-latest for edits only.
        _gpt(
            "chatgpt-image-latest",
            endpoints=frozenset({"edits"}),
            shutdown=GPT_IMAGE_15_GONE,
            input_fidelity=("high", "low"),
        ),
        _gpt("gpt-image-1-mini", shutdown=GPT_IMAGE_15_GONE, input_fidelity=("low",)),
        _gpt("gpt-image-1", shutdown=GPT_IMAGE_1_GONE, input_fidelity=("high", "low")),
        ModelRules(
            id="dall-e-3",
            family="dall-e",
            endpoints=frozenset({"generations"}),
            shutdown=DALLE_GONE,
            prompt_max=4000,
            n_max=1,
            sizes=("1024x1024", "1792x1024", "1024x1792"),
            auto_size=False,
            qualities=("standard", "hd"),
            styles=("vivid", "natural"),
            edit_images_max=0,
        ),
        ModelRules(
            id="dall-e-2",
            family="dall-e",
            endpoints=frozenset({"generations", "edits", "variations"}),
            shutdown=DALLE_GONE,
            prompt_max=1000,
            sizes=("256x256", "512x512", "1024x1024"),
            auto_size=False,
            qualities=("standard",),
            edit_images_max=1,
            edit_mimes=("image/png",),
            edit_image_max_bytes=4 * MIB,
            square_png_only=True,
        ),
    ]
    return {r.id: r for r in rules}


MODELS: dict[str, ModelRules] = _build_table()

# Section A: Azure retires gpt-image-1.5 later than OpenAI does. Azure names the
# model version 2025-12-16, so the dated id follows it.
AZURE_SHUTDOWN = {
    "gpt-image-1.5": date(2026, 12, 16),
    "gpt-image-1.5-2025-12-16": date(2026, 12, 16),
}

# Spec defaults when `model` is absent. Generations: dall-e-2 "unless a parameter
# specific to the GPT image models is used" (then gpt-image-1); edits: gpt-image-1.5.
# All three are shut down on OpenAI now, and the stand-in keeps them as the
# defaults rather than picking gpt-image-2: nothing published says OpenAI moved
# the default, the SDK still documents these, and a 404 naming the shut-down
# model makes a client that forgot to send `model` fail loudly in tests instead
# of silently getting a model it never chose. (Legacy servers still serve them.)
DEFAULT_MODEL = {"generations": "dall-e-2", "edits": "gpt-image-1.5", "variations": "dall-e-2"}
GPT_ONLY_GENERATION_FIELDS = (
    "background",
    "moderation",
    "output_format",
    "output_compression",
    "stream",
    "partial_images",
)


def parse_size(size: str) -> tuple[int, int] | None:
    match = SIZE_PATTERN.match(size)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def format_size(width: int, height: int) -> str:
    return f"{width}x{height}"


def allowed_sizes(rules: ModelRules) -> tuple[str, ...]:
    return rules.sizes + (("auto",) if rules.auto_size else ())


def check_size(rules: ModelRules, size: str) -> ApiError | None:
    """None when `rules` accepts `size`, else the error the service would give."""
    if size == "auto" and rules.auto_size:
        return None
    if size in rules.sizes:
        return None
    if rules.free_size is None:
        return invalid_value("size", size, allowed_sizes(rules))
    parsed = parse_size(size)
    if parsed is None:
        return _bad_size(size, "Expected 'auto' or WIDTHxHEIGHT, for example '1536x864'.")
    return _check_free(rules.free_size, size, *parsed)


def _check_free(rule: FreeSize, size: str, width: int, height: int) -> ApiError | None:
    # Seen in the field: "Invalid size '1792x936'. Width and height must both be
    # divisible by 16." (jezweb/claude-skills#91). The other wordings follow it.
    if width % rule.multiple or height % rule.multiple:
        return _bad_size(size, f"Width and height must both be divisible by {rule.multiple}.")
    if max(width, height) > rule.max_ratio * min(width, height):
        ratio = f"{rule.max_ratio:g}"
        return _bad_size(size, f"The aspect ratio must be between 1:{ratio} and {ratio}:1.")
    if max(width, height) > rule.max_edge:
        return _bad_size(size, f"The longest edge must be at most {rule.max_edge} pixels.")
    pixels = width * height
    if not rule.min_pixels <= pixels <= rule.max_pixels:
        return _bad_size(
            size,
            f"The total number of pixels must be between {rule.min_pixels} and "
            f"{rule.max_pixels}, but got {pixels}.",
        )
    return None


def _bad_size(size: str, reason: str) -> ApiError:
    return ApiError(400, f"Invalid size '{size}'. {reason}", param="size", code="invalid_value")


def auto_size(rules: ModelRules, source: tuple[int, int] | None) -> tuple[int, int]:
    """The size "auto" turns into: square for a prompt, the input's shape for an edit."""
    if source is None:
        return 1024, 1024
    width, height = source
    if rules.free_size is not None:
        return _fit_free(rules.free_size, width, height)
    ratio = width / height
    if ratio > 1.25:
        return 1536, 1024
    if ratio < 0.8:
        return 1024, 1536
    return 1024, 1024


def _fit_free(rule: FreeSize, width: int, height: int) -> tuple[int, int]:
    """The input's aspect, scaled into the model's limits, sides rounded to `multiple`."""
    ratio = min(max(width / height, 1 / rule.max_ratio), rule.max_ratio)
    # Stay in the non-experimental range (<= 2560x1440 worth of pixels).
    pixels = min(max(width * height, rule.min_pixels), 2560 * 1440)
    m = rule.multiple
    w = max(m, round(math.sqrt(pixels * ratio) / m) * m)
    h = max(m, round(math.sqrt(pixels / ratio) / m) * m)
    # Rounding can break a limit by one step; each repair moves the aspect towards 1:1.
    while max(w, h) > rule.max_ratio * min(w, h):
        w, h = (w + m, h) if w < h else (w, h + m)
    while w * h < rule.min_pixels:
        w, h = w + m, h + m
    while max(w, h) > rule.max_edge or w * h > rule.max_pixels:
        w, h = (w - m, h) if w > h else (w, h - m)
    return w, h
