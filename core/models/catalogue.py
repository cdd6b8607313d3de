"""The model catalogue: what each Images API model id accepts, read from models.json.

Owns `ModelSpec` and `SizeRule` and the lookup by id. Capabilities are data so
that a new model needs an entry in the JSON file, not a release; an id the file
does not know gets the conservative `_unknown` entry under its own name.
Imports nothing from the rest of the core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

ENDPOINTS = ("generations", "edits", "variations")


@dataclass(frozen=True)
class SizeRule:
    """Which `WIDTHxHEIGHT` values a model takes.

    kind "fixed": exactly `sizes` (plus "auto" when `auto`).
    kind "free": any size whose sides are multiples of `multiple`, with the long
    side at most `max_aspect` times the short one, `max_edge` per side and
    between `min_pixels` and `max_pixels` in area (plus "auto" and `sizes`).
    """

    kind: str
    sizes: tuple[str, ...] = ()
    auto: bool = False
    multiple: int = 16
    max_aspect: float = 3.0
    min_pixels: int = 0
    max_pixels: int = 0
    max_edge: int = 0
    experimental_above_pixels: int = 0

    def check(self, size: str) -> str | None:
        """Return None when `size` is allowed, else the rule it breaks, in words."""
        if size == "auto":
            return None if self.auto else "this model needs an explicit size, not 'auto'"
        if size in self.sizes:
            return None
        if self.kind == "fixed":
            allowed = list(self.sizes) + (["auto"] if self.auto else [])
            return "must be one of " + ", ".join(allowed)
        parsed = parse_size(size)
        if parsed is None:
            return "must be 'auto' or WIDTHxHEIGHT, for example 1536x1024"
        w, h = parsed
        m = self.multiple
        if w % m or h % m:
            return f"both sides must be multiples of {m}"
        if max(w, h) > self.max_aspect * min(w, h):
            ratio = f"{self.max_aspect:g}"
            return f"the aspect ratio must be between 1:{ratio} and {ratio}:1"
        if self.max_edge and max(w, h) > self.max_edge:
            return f"no side may exceed {self.max_edge} pixels"
        if w * h < self.min_pixels:
            return f"at least {self.min_pixels} pixels in all (for example 1024x640)"
        if self.max_pixels and w * h > self.max_pixels:
            return f"at most {self.max_pixels} pixels in all (for example 3840x2160)"
        return None

    def is_experimental(self, size: str) -> bool:
        parsed = parse_size(size)
        limit = self.experimental_above_pixels
        return bool(parsed and limit and parsed[0] * parsed[1] > limit)


def parse_size(size: str) -> tuple[int, int] | None:
    """'1536x1024' -> (1536, 1024); anything else -> None."""
    parts = size.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    w, h = int(parts[0]), int(parts[1])
    return (w, h) if w > 0 and h > 0 else None


@dataclass(frozen=True)
class ModelSpec:
    """Capabilities of one model id. Field meanings follow models.json."""

    id: str
    family: str
    endpoints: frozenset[str]
    size_rule: SizeRule
    working_size: int
    qualities: tuple[str, ...]
    default_quality: str
    n_max: int
    output_formats: tuple[str, ...]
    background: bool
    mask: bool
    markup: bool
    input_fidelity: tuple[str, ...]
    streaming: bool
    partial_images_max: int
    prompt_limit: int
    response_format: bool
    styles: tuple[str, ...]
    complexity: tuple[str, ...]
    edit_images_max: int
    edit_input_formats: tuple[str, ...]
    edit_image_max_bytes: int
    edit_square_png_only: bool
    mask_max_bytes: int
    moderation: bool
    rewrites_prompt: bool = False  # the model rewrites the prompt (dall-e-3: revised_prompt)
    known: bool = True
    shutdown: str | None = None  # YYYY-MM-DD (UTC): retired on that day (lifecycle.py)
    replacement: str | None = None  # where a saved setting or a refusal points once it is gone
    recommended: bool = False  # OpenAI's current recommendation; the default must be one
    facts: Literal["sdk", "secondary"] = "sdk"  # where the capabilities come from
    snapshot_of: str | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def supports(self, endpoint: str) -> bool:
        return endpoint in self.endpoints

    @property
    def is_gpt_image(self) -> bool:
        return self.family == "gpt-image"

    @property
    def variation_endpoint(self) -> str:
        """Variations use the legacy endpoint where the model has it, else an edit
        of the whole image with no mask (OpenAI closed /images/variations)."""
        return "variations" if self.supports("variations") else "edits"


_FIELDS = set(ModelSpec.__dataclass_fields__) - {"id", "known", "extra"}


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("models.json").read_text("utf-8")
    return json.loads(text)


def _resolve(model_id: str, entry: dict[str, Any], known: bool) -> ModelSpec:
    templates = _raw()["_templates"]
    merged: dict[str, Any] = {}
    for name in entry.get("base", []):
        merged.update(templates[name])
    merged.update({k: v for k, v in entry.items() if k != "base"})
    rule = dict(merged.pop("size_rule"))  # templates are shared: never mutate them
    standard = tuple(rule.pop("standard", ()))
    size_rule = SizeRule(
        kind=rule.pop("kind"), sizes=tuple(rule.pop("sizes", ())) + standard, **rule
    )
    values = {k: merged.pop(k) for k in list(merged) if k in _FIELDS}
    for key, val in values.items():
        if isinstance(val, list):
            values[key] = frozenset(val) if key == "endpoints" else tuple(val)
    return ModelSpec(id=model_id, size_rule=size_rule, known=known, extra=merged, **values)


MAX_CANDIDATES = 10  # per job, every entry point: a panel shows no more, and each is paid


def max_candidates(spec: ModelSpec) -> int:
    """The most candidates a job of `spec` may ask for, whatever the entry point
    (jobs.recipes.spans enforces it): the runner sends what a model cannot take in
    one request as parallel requests of one image, so it is MAX_CANDIDATES for every
    model today (the Krita panel used to stop a one-image model at 1)."""
    del spec  # a per-model bound would go here; none is known
    return MAX_CANDIDATES


@cache
def get_model(model_id: str) -> ModelSpec:
    """The spec of `model_id`; an unknown id gets the conservative GPT-image entry."""
    models = _raw()["models"]
    if model_id in models and not model_id.startswith("_"):
        return _resolve(model_id, models[model_id], known=True)
    return _resolve(model_id, models["_unknown"], known=False)


def known_models() -> list[ModelSpec]:
    """Every catalogued model in file order, shut down or not: what is alive on a
    given day is lifecycle.live_models()'s question (dates, and the account's list)."""
    return [get_model(m) for m in _raw()["models"] if not m.startswith("_")]


# Live and recommended on 2026-12-02, with no shutdown date (README, "Models"):
# flare is the fast one of Images 2.6, which suits trying prompts on a canvas.
# tests/test_lifecycle.py holds it to lifecycle.default_model_ok.
DEFAULT_MODEL = "gpt-image-2.6-flare"
