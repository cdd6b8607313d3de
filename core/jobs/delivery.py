"""One reply of the API, delivered: priced, each image checked, placed, on disk, booked.

The runner (runner.py) sends; this module takes what came back. The order is the
promise "nothing paid is lost": the reply is priced once by cost.book_usage, which
cannot raise on server data; each image is checked against the request's size
(pixels.answers) and placed by the recipe; the result is written to the history
before anyone sees it, and when placing fails on an answer the checks let through
the answer's own bytes are written instead, so the artist can still find them.
Only then is the day's ledger booked.

Imports the core's api result type, errors, pixels, store and this package's cost,
job handle and recipes; no host, no httpx.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from .. import __version__
from ..api.client import ImagesResult
from ..api.wire_format import sniff_format
from ..errors import ResponseError
from ..models.catalogue import ModelSpec
from ..pixels.answers import decode_answer
from ..pixels.geometry import Bounds
from ..pixels.imaging import ENGINE, ImageDecodeError
from ..pixels.provenance import Provenance, has_c2pa, source_for
from ..store.history import History, HistoryEntry, ResultMeta
from .cost import BookedCost, SpendTracker, book_usage, usage_ceiling
from .job_handle import Candidate, Job, Progress
from .options import JobOptions
from .recipes import Recipe, size_of

log = logging.getLogger("openai_images.jobs")
TOOL = f"OpenAI Images for Krita and GIMP {__version__}"
# Reads a C2PA manifest's issuer, claim generator and title from an answer's bytes;
# None when it cannot. Injected by the CLI (cli/content_credentials.py, over the
# optional `c2pa` package); the hosts pass none and the sidecar says presence only.
ManifestReader = Callable[[bytes], "dict[str, str] | None"]


def price_reply(job: Job, spec: ModelSpec, result: ImagesResult) -> BookedCost:
    """The reply's cost from its `usage`, priced once and never raising, so a junk or
    hostile count can neither keep the paid image out of the history nor poison the
    day's ledger: it is unknown cost, said once in the log."""
    ceiling = usage_ceiling(job.result.estimate, len(result.images), job.options.n)
    booked = book_usage(spec.id, result.usage, ceiling)
    if booked.rejected:
        log.warning(
            "request %s: usage not trusted (%s); cost unknown, the estimate is booked",
            result.request_id,
            booked.rejected,
        )
    return booked


def deliver(
    history: History,
    job: Job,
    recipe: Recipe,
    plan: Any,
    result: ImagesResult,
    data: bytes,
    index: int,
    booked: BookedCost,
    read_manifest: ManifestReader | None = None,
) -> Candidate:
    """Check, place and write one image: on disk before anyone sees it. An answer that
    cannot serve the request is a ResponseError with the request id."""
    try:
        image = decode_answer(data, plan.api_extent)
    except ImageDecodeError as exc:
        raise ResponseError(f"the API sent an unusable image: {exc}", result.request_id) from None
    try:
        patch = recipe.to_patch(plan, image, index)
    except Exception as exc:  # placing failed on what the server sent: keep what was paid for
        meta = result_meta(job, recipe, plan, result, index, booked, plan.region, data,
                           read_manifest)
        kept = history.record(data, sniff_format(data) or "png", meta)
        log.exception("job %s: candidate %d could not be placed", job.id, index)
        raise ResponseError(
            f"the answer could not be placed ({type(exc).__name__}); it is kept as "
            f"{kept.image_path}",
            result.request_id,
        ) from None
    meta = result_meta(job, recipe, plan, result, index, booked, patch.bounds, data,
                       read_manifest)
    # Level 1: this write is on the way to the canvas, and for a 1088x1088
    # patch level 6 took 1.5 s against 0.26 s, for 15 % fewer bytes (make bench).
    # The answer goes beside it as it came: its Content Credentials survive only there.
    png = patch.image.to_png(compress_level=1)
    entry = history.record(png, "png", meta, attachments={"answer": data})
    if entry.fallback_reason and entry.fallback_reason not in job.result.notices:
        # the history folder was refused: every entry point tells the artist where it went
        job.result.notices.append(entry.fallback_reason)
        job.emit(Progress("notice", entry.fallback_reason, index))
    return Candidate(index, patch, entry)


def result_meta(
    job: Job,
    recipe: Recipe,
    plan: Any,
    result: ImagesResult,
    index: int,
    booked: BookedCost,
    bounds: Bounds,
    data: bytes = b"",
    read_manifest: ManifestReader | None = None,
) -> ResultMeta:
    """The history sidecar of one result. Server strings are kept as parsed (reply.py
    accepts only str for them); nothing here computes on server data."""
    spec, opts = recipe.spec, recipe.options
    present = has_c2pa(data)
    return ResultMeta(
        prompt=recipe.prompt,
        task=recipe.task,
        revised_prompt=_at(result.revised_prompts, index),
        model=spec.id,
        job=recipe.kind,
        size=result.size or size_of(plan),
        quality=result.quality or opts.quality,
        background=result.background or opts.background,
        output_format="png",
        request_id=result.request_id,
        usage=result.usage,
        estimated_cost=job.result.estimate.usd if job.result.estimate else None,
        actual_cost=booked.usd,
        usage_rejected=booked.rejected,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        document=recipe.document,
        region=(bounds.x, bounds.y, bounds.width, bounds.height),
        candidate=index,
        settings=settings_of(opts),
        digital_source_type=source_for(recipe.kind),
        content_credentials=present,
        content_credentials_manifest=_manifest(data, read_manifest) if present else None,
        pixel_engine=ENGINE,
    )


def _manifest(data: bytes, read_manifest: ManifestReader | None) -> dict[str, str] | None:
    """What the reader makes of the manifest; a reader failing on server bytes costs
    the job nothing (the answer is kept either way)."""
    if read_manifest is None:
        return None
    try:
        return read_manifest(data) or None
    except Exception:
        log.warning("the answer's Content Credentials could not be read", exc_info=True)
        return None


def account(
    spend: SpendTracker | None, job: Job, result: ImagesResult, booked: BookedCost
) -> None:
    """Add the reply to the job's totals and the day's ledger (the caller holds the lock)."""
    if result.request_id:
        job.result.request_ids.append(result.request_id)
    if result.usage:
        job.result.usage.append(result.usage)
    cost = booked.usd
    if cost is not None:
        job.result.actual_cost_usd = (job.result.actual_cost_usd or 0.0) + cost
    est = job.result.estimate
    if cost is None and est is not None and result.images:
        # No usable `usage` (DALL-E, some compatible servers) or an untrusted one: the
        # day's ledger books the estimate's share for these images, so a daily cap
        # still counts the job, and a junk count cannot refuse the rest of the day.
        cost = est.usd * len(result.images) / max(1, job.options.n)
    if cost is not None and spend is not None:
        spend.add(cost)


def provenance_of(entry: HistoryEntry) -> Provenance:
    """What an output derived from this history entry says about itself (XMP)."""
    return Provenance(source_for(entry.meta.job), TOOL, entry.meta.model, entry.id)


def settings_of(options: JobOptions) -> dict[str, Any]:
    return {
        "model": options.model,
        "size": options.size,
        "quality": options.quality,
        "n": options.n,
        "background": options.background,
        "output_format": options.output_format,
        "input_fidelity": options.input_fidelity,
        "prompt_as_is": options.prompt_as_is,
        "padding_px": options.context.padding_px,
        "whole_image": options.context.whole_image,
    }


def _at(items: list[Any] | None, index: int) -> Any:
    return items[index] if items and index < len(items) else None
