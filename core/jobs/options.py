"""A job's options, decided in one place for every entry point.

The CLI, the Krita docker, Krita scripting and the GIMP procedures each collect
the artist's `Choices` (a flag, a dialog field, a script keyword; None where
the artist chose nothing) and call `job_options(settings, choices)`. The rule
is the same everywhere: an explicit choice wins over the saved settings, which
win over the defaults. Two exceptions: spend caps keep money a promise (a
choice may lower the saved cap for one job, never lift it, so the tighter of
the two applies), and streaming, a display choice, is on only when chosen.

Imports only the core's catalogue and planning; no host, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast

from ..errors import ValidationError
from ..models.catalogue import DEFAULT_MODEL
from ..pixels.imaging import Image
from ..pixels.planning import ContextOptions

JobKind = Literal["generate", "edit", "variation"]
Background = Literal["transparent", "opaque", "auto"]
OutputFormat = Literal["png", "webp", "jpeg"]
Fidelity = Literal["low", "high"]


@dataclass(frozen=True)
class JobOptions:
    """What a job sends besides the prompt; None means "leave it to the API".

    Quality and complexity stay open strings: the model list (data) says which
    values each model takes, and the request checks them against it."""

    model: str = DEFAULT_MODEL
    size: str = "auto"
    quality: str | None = None
    n: int = 1
    background: Background | None = None
    output_format: OutputFormat | None = None
    output_compression: int | None = None
    input_fidelity: Fidelity | None = None
    complexity: str | None = None  # None: the model's own default (never sent unless chosen)
    stream: bool = False
    partial_images: int = 2
    prompt_as_is: bool = False  # ask a model that rewrites prompts not to (AS_IS_PREFIX)
    context: ContextOptions = field(default_factory=ContextOptions)
    spend_cap_job_usd: float | None = None
    spend_cap_day_usd: float | None = None
    # Outputs and host documents say "made or changed by AI" (XMP, GIMP's metadata)
    mark_provenance: bool = True


@dataclass(frozen=True)
class Choices:
    """What the artist chose for this job; None everywhere they chose nothing.

    "auto" for quality or background means "leave it to the API" and is sent as
    nothing, like None, but as a choice it still overrides a saved value."""

    model: str | None = None
    size: str | None = None
    quality: str | None = None
    n: int | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    input_fidelity: str | None = None
    complexity: str | None = None
    stream: bool | None = None
    partial_images: int | None = None
    prompt_as_is: bool | None = None
    padding_px: int | None = None
    whole_image: bool | None = None
    grow_px: int | None = None
    spend_cap_job_usd: float | None = None
    spend_cap_day_usd: float | None = None
    mark_provenance: bool | None = None

    @classmethod
    def from_keywords(cls, **keywords: Any) -> Choices:
        """Script keywords (Krita's `scripting` and `workflow.start`) as choices.

        Takes the field names plus the scripting aliases `count` (n) and `padding`
        (padding_px); an unknown keyword is a TypeError naming it, as Python does."""
        values = dict(keywords)
        if "count" in values:
            values["n"] = values.pop("count")
        if "padding" in values:
            values["padding_px"] = values.pop("padding")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError("unknown option(s): " + ", ".join(unknown))
        return cls(**values)


def job_options(settings: Any, choices: Choices | None = None) -> JobOptions:
    """The options of one job: `choices` over `settings` (a core.settings.Settings)
    over the defaults. The one place where an entry point's choices become options."""
    c = choices or Choices()

    def pick(chosen: Any, saved: Any) -> Any:
        return saved if chosen is None else chosen

    quality = pick(c.quality, settings.quality)
    background = pick(c.background, settings.background)
    output_format = pick(c.output_format, settings.output_format)
    if output_format and not Image.decodes(output_format):
        # Paid for and then unreadable: the lean pixel engine reads what its host's
        # decoder reads (GIMP 3.0's GdkPixbuf on Debian has no WebP), so ask first.
        raise ValidationError(
            "output_format",
            f"this program cannot read {output_format.upper()} answers without numpy and "
            "Pillow: choose PNG or JPEG",
        )
    context = ContextOptions(
        padding_px=int(pick(c.padding_px, settings.context_padding_px)),
        whole_image=bool(pick(c.whole_image, False)),
        grow_px=int(pick(c.grow_px, settings.grow_px)),
    )
    return JobOptions(
        model=pick(c.model, settings.model) or DEFAULT_MODEL,
        size=pick(c.size, settings.size) or "auto",
        quality=None if quality in (None, "", "auto") else quality,
        n=int(pick(c.n, settings.n)),
        background=None if background in (None, "", "auto") else background,
        # PNG is the API's default: not sent, so servers without the field take the job
        output_format=None if output_format in (None, "", "png") else output_format,
        output_compression=c.output_compression,
        # closed sets, checked against the model by the request (a wrong value is one line)
        input_fidelity=cast("Fidelity | None", c.input_fidelity or None),
        complexity=c.complexity or None,
        # Streaming is a display choice: on only when chosen. A panel that shows
        # previews starts its box from the saved stream_previews (the Krita docker);
        # a script, a GIMP procedure call or the CLI streams only when asked.
        stream=bool(pick(c.stream, False)),
        partial_images=int(pick(c.partial_images, 2)),
        prompt_as_is=bool(pick(c.prompt_as_is, False)),
        context=context,
        spend_cap_job_usd=tighter(c.spend_cap_job_usd, settings.spend_cap_job_usd),
        spend_cap_day_usd=tighter(c.spend_cap_day_usd, settings.spend_cap_day_usd),
        mark_provenance=bool(pick(c.mark_provenance, settings.mark_provenance)),
    )


def tighter(a: float | None, b: float | None) -> float | None:
    """The lower of two caps, None meaning no cap."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
