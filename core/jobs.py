"""Jobs: one generate, edit or variation request for n candidates, run off the caller's thread.

A `Job` owns a worker thread (no Qt, no GLib): it plans the request from the
snapshot, sends it through the `ImagesClient`, turns each image into a
`LayerPatch`, writes it to the history *before* handing it back, and reports
`Progress` events. Host adapters never receive a callback on the worker
thread: they call `job.poll_events()` from their own main-loop timer, so every
host API call stays on the host's main thread. Only plain data crosses over.

n candidates: one request with `n` where the model allows it; otherwise (more
than the model's `n_max`, or streaming, where the event stream carries no
image index) parallel requests of one image each.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from .cancel import CancelToken
from .catalogue import DEFAULT_MODEL, ModelSpec, get_model
from .client import ImagesClient, ImagesResult
from .cost import CostEstimate, SpendTracker, actual_cost, estimate
from .errors import CancelledError, ImagesError, ResponseError, ValidationError
from .geometry import Bounds
from .history import History, HistoryEntry, ResultMeta
from .imaging import Image, ImageDecodeError, UploadImage, encode_upload
from .lifecycle import AccountLifecycle, Lifecycle, lifecycle
from .planning import (
    CanvasSnapshot,
    ContextOptions,
    EditPlan,
    GeneratePlan,
    LayerPatch,
    composite,
    layer_name,
    patch_from_generation,
    plan_edit,
    plan_generate,
    plan_variation,
)
from .requests import EditRequest, GenerateRequest, UploadFile, VariationRequest

log = logging.getLogger("openai_images.jobs")

STAGES = (
    "queued",
    "notice",  # one line the artist should read (a model about to shut down); the job goes on
    "uploading",
    "rendering",
    "partial",
    "downloading",
    "done",
    "failed",
    "cancelled",
)
FINAL_STAGES = ("done", "failed", "cancelled")
ACCOUNT_WAIT_S = 5.0  # the longest a refusal waits for the account's model list
# OpenAI's documented wording for keeping DALL-E 3 from rewriting a prompt
# (the "Prompting" note of the DALL-E 3 guide); sent only to models that rewrite.
AS_IS_PREFIX = (
    "I NEED to test how the tool works with extremely simple prompts. "
    "DO NOT add any detail, just use it AS-IS: "
)


@dataclass(frozen=True)
class Progress:
    """One step of a job. `preview` is set on "partial" events when streaming."""

    stage: str
    message: str = ""
    candidate: int | None = None
    partial_index: int | None = None
    preview: LayerPatch | None = None


@dataclass(frozen=True)
class JobOptions:
    """What the user chose besides the prompt; None means "leave it to the API"."""

    model: str = DEFAULT_MODEL
    size: str = "auto"
    quality: str | None = None
    n: int = 1
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    input_fidelity: str | None = None
    complexity: str | None = None  # None: the model's own default (never sent unless chosen)
    stream: bool = False
    partial_images: int = 2
    prompt_as_is: bool = False  # ask a model that rewrites prompts not to (AS_IS_PREFIX)
    context: ContextOptions = field(default_factory=ContextOptions)
    spend_cap_job_usd: float | None = None
    spend_cap_day_usd: float | None = None


@dataclass(frozen=True)
class Candidate:
    index: int
    patch: LayerPatch
    entry: HistoryEntry


@dataclass
class JobResult:
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[ImagesError] = field(default_factory=list)
    estimate: CostEstimate | None = None
    actual_cost_usd: float | None = None
    usage: list[dict[str, Any]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


_ids = itertools.count(1)


class Job:
    """A running request. Thread-safe; read `state`, `result` and `error` once `done`."""

    def __init__(self, kind: str, prompt: str, options: JobOptions) -> None:
        self.id = next(_ids)
        self.kind = kind
        self.prompt = prompt
        self.options = options
        self.token = CancelToken()
        self.state = "queued"
        self.result = JobResult()
        self.error: ImagesError | None = None
        self._events: queue.SimpleQueue[Progress] = queue.SimpleQueue()
        self._finished = threading.Event()
        self._emit(Progress("queued"))

    def _emit(self, event: Progress) -> None:
        self._events.put(event)

    def poll_events(self) -> list[Progress]:
        """Every event since the last call, oldest first (call it from the host's main loop)."""
        events = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def _finish(self, state: str, error: ImagesError | None = None) -> None:
        self.state, self.error = state, error
        message = str(error) if error else ""
        self._emit(Progress(state, message))
        self._finished.set()


@dataclass(frozen=True)
class Recipe:
    """How to run one job: planned lazily (encoding is slow), so on the worker thread."""

    kind: str
    prompt: str
    spec: ModelSpec
    options: JobOptions
    document: str
    plan: Callable[[], Any]
    request: Callable[[Any, int], Any]
    to_patch: Callable[[Any, Image, int], LayerPatch]
    send_name: str


class JobRunner:
    """Starts jobs against one client and one history. Safe to share between threads."""

    def __init__(
        self,
        client: ImagesClient,
        history: History,
        spend: SpendTracker | None = None,
        max_parallel: int = 4,
        account: AccountLifecycle | None = None,
    ) -> None:
        self.client = client
        self.history = history
        self.spend = spend
        self.max_parallel = max_parallel
        self.account = account  # the account's shutdown dates; None: the catalogue's only

    def standing(self, spec: ModelSpec) -> Lifecycle:
        """The model's lifecycle today, from the cached account list first.

        A job never waits on GET /models: the list is refreshed where models are
        picked (the Krita panel, `openai-images models`). Only a refusal looks again,
        briefly, when the copy is stale: the account may still serve the model (a
        compatible server, a longer notice), and it outranks the shipped dates."""
        if self.account is None:
            return lifecycle(spec)
        standing = lifecycle(spec, account=self.account.dates())
        if standing.alive:
            return standing
        fetch = self.account.refresh_in_background(self.client)
        if fetch is not None:
            fetch.join(ACCOUNT_WAIT_S)
            standing = lifecycle(spec, account=self.account.dates())
        return standing

    # -- recipes: what each job sends, and how its images become patches ------
    def generate_recipe(
        self, prompt: str, target: Bounds, options: JobOptions, document_name: str = ""
    ) -> Recipe:
        spec = get_model(options.model)

        def request(plan: GeneratePlan, n: int) -> GenerateRequest:
            return GenerateRequest(
                prompt=_sent_prompt(prompt, spec, options),
                model=spec.id,
                n=n,
                size=_size_of(plan),
                **_common(options),
                **_stream_fields(spec, options),
            )

        def to_patch(plan: GeneratePlan, img: Image, index: int) -> LayerPatch:
            return replace(
                patch_from_generation(plan, img),
                name=layer_name(prompt, _ordinal(index, options.n)),
            )

        return Recipe(
            "generate",
            prompt,
            spec,
            options,
            document_name,
            lambda: plan_generate(target, spec, options.size),
            request,
            to_patch,
            "generate",
        )

    def edit_recipe(
        self,
        prompt: str,
        snapshot: CanvasSnapshot,
        options: JobOptions,
        references: Sequence[Image] = (),
        markup: Image | None = None,
        whole_image: bool = False,
    ) -> Recipe:
        """An inpainting job; `whole_image` edits everything with no mask (several
        images combined by the prompt, say). `markup` is in the snapshot's coordinates."""
        spec = get_model(options.model)

        def plan() -> EditPlan:
            if whole_image:
                return plan_variation(snapshot, spec, options.size)
            return plan_edit(snapshot, spec, options.context, options.size)

        def request(plan: EditPlan, n: int) -> EditRequest:
            refs = tuple(
                _upload(encode_upload(img, spec, f"reference-{i + 1}"))
                for i, img in enumerate(references)
            )
            guide = _markup_upload(plan, snapshot, markup) if markup is not None else None
            return EditRequest(
                prompt=_sent_prompt(prompt, spec, options),
                model=spec.id,
                images=(_upload(plan.image), *refs),
                mask=None if guide or plan.mask is None else _upload(plan.mask),
                markup=guide,
                input_fidelity=options.input_fidelity,
                n=n,
                size=_size_of(plan),
                **_common(options, _edit_background(options, spec, plan)),
                **_stream_fields(spec, options),
            )

        def to_patch(plan: EditPlan, img: Image, index: int) -> LayerPatch:
            patch = composite(plan, img, keep_result_alpha=_wants_transparency(options))
            return replace(patch, name=layer_name(prompt, _ordinal(index, options.n)))

        return Recipe(
            "edit", prompt, spec, options, snapshot.document_name, plan, request, to_patch, "edit"
        )

    def variation_recipe(
        self, snapshot: CanvasSnapshot, options: JobOptions, prompt: str | None = None
    ) -> Recipe:
        spec = get_model(options.model)
        title = prompt or f"variation of {snapshot.layer_name or snapshot.document_name}"

        def request(plan: EditPlan, n: int) -> VariationRequest:
            extra: dict[str, Any] = {}
            if prompt:
                extra["prompt"] = _sent_prompt(prompt, spec, options)
            if spec.variation_endpoint == "edits":  # the legacy endpoint takes none of these
                extra.update(_common(options, _edit_background(options, spec, plan)))
                extra.update(_stream_fields(spec, options))
                extra["input_fidelity"] = options.input_fidelity
            return VariationRequest(
                model=spec.id, image=_upload(plan.image), n=n, size=_size_of(plan), **extra
            )

        def to_patch(plan: EditPlan, img: Image, index: int) -> LayerPatch:
            patch = composite(plan, img, keep_result_alpha=_wants_transparency(options))
            return replace(patch, name=layer_name(title, _ordinal(index, options.n)))

        return Recipe(
            "variation",
            prompt or "",
            spec,
            options,
            snapshot.document_name,
            lambda: plan_variation(snapshot, spec, options.size),
            request,
            to_patch,
            "vary",
        )

    # -- starting jobs ---------------------------------------------------------
    def submit(self, recipe: Recipe) -> Job:
        job = Job(recipe.kind, recipe.prompt, recipe.options)
        thread = threading.Thread(
            target=self._run, args=(job, recipe), name=f"openai-images-job-{job.id}"
        )
        thread.daemon = True  # a host quitting mid-job must not hang on it
        thread.start()
        return job

    def submit_generate(self, *args: Any, **kwargs: Any) -> Job:
        return self.submit(self.generate_recipe(*args, **kwargs))

    def submit_edit(self, *args: Any, **kwargs: Any) -> Job:
        return self.submit(self.edit_recipe(*args, **kwargs))

    def submit_variation(self, *args: Any, **kwargs: Any) -> Job:
        return self.submit(self.variation_recipe(*args, **kwargs))

    def dry_run(self, recipe: Recipe) -> dict[str, Any]:
        """Plan and validate without sending: what would go over the wire, and its cost."""
        standing = self._check_model(recipe)
        plan = recipe.plan()
        calls = self._split(recipe, plan)
        req = calls[0][1]
        req.validate(recipe.spec)
        wire = req.to_wire(recipe.spec)
        est = self._estimate(recipe)
        body: Any = wire.json_body
        if wire.multipart:
            body = {
                "fields": dict(wire.fields),
                "files": [_describe_file(n, f) for n, f in wire.files],
            }
        return {
            "requests": len(calls),
            "endpoint": wire.path,
            "stream": wire.stream,
            "body": body,
            "region": _region_of(plan.region),
            "estimated_cost_usd": None if est is None else round(est.usd, 4),
            "cost_basis": None if est is None else est.basis,
            "notice": standing.notice(),
        }

    def _check_model(self, recipe: Recipe) -> Lifecycle:
        """A shut-down model is refused before anything is planned or uploaded."""
        standing = self.standing(recipe.spec)
        if not standing.alive:
            raise ValidationError("model", standing.notice() or f"{recipe.spec.id} is shut down")
        return standing

    # -- the worker ----------------------------------------------------------
    def _run(self, job: Job, recipe: Recipe) -> None:
        try:
            job.token.raise_if_cancelled()
            notice = self._check_model(recipe).notice()
            if notice:  # a model about to shut down: said once per job, then the job goes on
                job.result.notices.append(notice)
                job._emit(Progress("notice", notice))
            plan = recipe.plan()
            calls = self._split(recipe, plan)
            for _, req in calls:
                req.validate(recipe.spec)
            job.result.estimate = self._estimate(recipe)
            if self.spend is not None and job.result.estimate is not None:
                opts = recipe.options
                self.spend.check(
                    job.result.estimate,
                    cap_per_day=opts.spend_cap_day_usd,
                    cap_per_job=opts.spend_cap_job_usd,
                )
            self._run_calls(job, recipe, plan, calls)
        except CancelledError as exc:
            job._finish("cancelled", exc)
            return
        except ImagesError as exc:
            job._finish("failed", exc)
            return
        except Exception as exc:  # a bug must end the job with a message, never hang the host
            log.exception("job %s crashed", job.id)
            job._finish("failed", ImagesError(f"internal error: {exc!r}"))
            return
        if job.token.cancelled:
            job._finish("cancelled", CancelledError("cancelled"))
        elif job.result.candidates:
            job._finish("done")
        else:
            job._finish("failed", job.result.failures[0] if job.result.failures else None)

    def _estimate(self, recipe: Recipe) -> CostEstimate | None:
        opts = recipe.options
        quality = opts.quality or recipe.spec.default_quality
        partials = opts.partial_images if opts.stream and recipe.spec.streaming else 0
        return estimate(
            recipe.spec.id, quality, opts.size, opts.n, len(recipe.prompt), partial_images=partials
        )

    def _split(self, recipe: Recipe, plan: Any) -> list[tuple[int, Any]]:
        """(first candidate index, request) pairs covering the n candidates."""
        n, spec = recipe.options.n, recipe.spec
        streaming = recipe.options.stream and spec.streaming
        if n <= spec.n_max and not (streaming and n > 1):
            return [(0, recipe.request(plan, n))]
        return [(i, recipe.request(plan, 1)) for i in range(n)]

    def _run_calls(self, job: Job, recipe: Recipe, plan: Any, calls: list[tuple[int, Any]]) -> None:
        lock = threading.Lock()
        send = getattr(self.client, recipe.send_name)

        def one(first: int, req: Any) -> None:
            def on_partial(index: int, data: bytes) -> None:
                try:
                    image = Image.decode(data)
                except ImageDecodeError as exc:  # a broken preview is skipped: the final one counts
                    log.warning("job %s: partial image %d skipped: %s", job.id, index, exc)
                    return
                preview = recipe.to_patch(plan, image, first)
                job._emit(Progress("partial", "", first, index, preview))

            job._emit(Progress("uploading", candidate=first))
            job._emit(Progress("rendering", candidate=first))
            try:
                stream = recipe.options.stream and recipe.spec.streaming
                result = send(req, on_partial=on_partial if stream else None, cancel=job.token)
            except CancelledError:
                raise
            except ImagesError as exc:
                with lock:
                    job.result.failures.append(exc)
                return
            job._emit(Progress("downloading", candidate=first))
            for offset, data in enumerate(result.images):
                try:
                    candidate = self._deliver(job, recipe, plan, result, data, first + offset)
                except ImageDecodeError as exc:
                    # An image we cannot decode (damaged, a decompression bomb) fails its own
                    # candidate with the request id; the other candidates are still delivered.
                    failure = ResponseError(
                        f"the API sent an unusable image: {exc}", result.request_id
                    )
                    with lock:
                        job.result.failures.append(failure)
                    continue
                with lock:
                    job.result.candidates.append(candidate)
            with lock:
                self._account(job, recipe.spec, result)

        with ThreadPoolExecutor(max_workers=min(len(calls), self.max_parallel)) as pool:
            futures = [pool.submit(one, first, req) for first, req in calls]
            errors = [f.exception() for f in futures]
        for err in errors:
            if err is not None:
                raise err
        job.result.candidates.sort(key=lambda c: c.index)

    def _deliver(
        self, job: Job, recipe: Recipe, plan: Any, result: ImagesResult, data: bytes, index: int
    ) -> Candidate:
        """Decode, composite and write to the history: on disk before anyone sees it."""
        patch = recipe.to_patch(plan, Image.decode(data), index)
        spec, opts = recipe.spec, recipe.options
        b = patch.bounds
        meta = ResultMeta(
            prompt=recipe.prompt,
            revised_prompt=_at(result.revised_prompts, index),
            model=spec.id,
            job=recipe.kind,
            size=result.size or _size_of(plan),
            quality=result.quality or opts.quality,
            background=result.background or opts.background,
            output_format="png",
            request_id=result.request_id,
            usage=result.usage,
            estimated_cost=job.result.estimate.usd if job.result.estimate else None,
            actual_cost=actual_cost(spec.id, result.usage) if result.usage else None,
            created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            document=recipe.document,
            region=(b.x, b.y, b.width, b.height),
            candidate=index,
            settings=_settings_of(opts),
        )
        # Level 1: this write is on the way to the canvas, and for a 1088x1088
        # patch level 6 took 1.5 s against 0.26 s, for 15 % fewer bytes (make bench).
        entry = self.history.record(patch.image.to_png(compress_level=1), "png", meta)
        return Candidate(index, patch, entry)

    def _account(self, job: Job, spec: ModelSpec, result: ImagesResult) -> None:
        if result.request_id:
            job.result.request_ids.append(result.request_id)
        cost = None
        if result.usage:
            job.result.usage.append(result.usage)
            cost = actual_cost(spec.id, result.usage)
            if cost is not None:
                job.result.actual_cost_usd = (job.result.actual_cost_usd or 0.0) + cost
        est = job.result.estimate
        if cost is None and est is not None and result.images:
            # No usable `usage` (DALL-E, some compatible servers): the day's ledger books
            # the estimate's share for these images, so a daily cap still counts the job.
            cost = est.usd * len(result.images) / max(1, job.options.n)
        if cost is not None and self.spend is not None:
            self.spend.add(cost)


def _ordinal(index: int, n: int) -> int | None:
    """Layer names count candidates from 1, and a single result has no number."""
    return index + 1 if n > 1 else None


def _region_of(b: Bounds) -> list[int]:
    return [b.x, b.y, b.width, b.height]


def _size_of(plan) -> str:
    extent = plan.api_extent
    return f"{extent.width}x{extent.height}"


def _at(items, index: int):
    return items[index] if items and index < len(items) else None


def _sent_prompt(prompt: str, spec: ModelSpec, options: JobOptions) -> str:
    """The prompt as it goes over the wire; the request validates this one, prefix
    included, against the model's limit. The history keeps the user's own words."""
    if options.prompt_as_is and spec.rewrites_prompt:
        return AS_IS_PREFIX + prompt
    return prompt


def _common(options: JobOptions, background: str | None = None) -> dict[str, Any]:
    return {
        "quality": options.quality,
        "background": background or options.background,
        "output_format": options.output_format,
        "output_compression": options.output_compression,
        "complexity": options.complexity,
    }


def _wants_transparency(options: JobOptions) -> bool:
    return options.background == "transparent"


def _edit_background(options: JobOptions, spec: ModelSpec, plan: EditPlan) -> str | None:
    """What an edit asks for when the artist left the background to the API: "opaque"
    where the model takes it and everything under the selection is opaque. With
    "auto" edits have come back partly transparent (section A); "opaque" costs the
    same. An "alpha" fill exists to fill transparent pixels, so it asks for "opaque"
    too. Over a selection that covers transparent pixels "auto" stays, so the model
    may keep them clear; composite() keeps the result at least as opaque as the source."""
    if options.background is not None or not spec.background:
        return options.background
    if plan.fill == "alpha":  # the transparent pixels are the ones to fill
        return "opaque"
    under = plan.source.pixels[..., 3][plan.soft_mask > 0]
    return "opaque" if under.size and int(under.min()) == 255 else None


def _stream_fields(spec: ModelSpec, options: JobOptions) -> dict[str, Any]:
    if not (options.stream and spec.streaming):
        return {}
    return {"stream": True, "partial_images": min(options.partial_images, spec.partial_images_max)}


def _settings_of(options: JobOptions) -> dict[str, Any]:
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


def _upload(image: UploadImage) -> UploadFile:
    return UploadFile(image.filename, image.data, image.mime)


def _markup_upload(plan: EditPlan, snapshot: CanvasSnapshot, markup: Image) -> UploadFile:
    """The markup layer cut and scaled exactly like the first image, as the API requires."""
    r = plan.region
    local = Bounds(r.x - snapshot.origin.x, r.y - snapshot.origin.y, r.width, r.height)
    guide = markup.crop(local).resize(plan.api_extent)
    return UploadFile("markup.png", guide.to_png(), "image/png")


def _describe_file(part: str, upload: UploadFile) -> dict[str, Any]:
    """A file part by name, size and type: a dry run prints no image bytes."""
    return {
        "part": part,
        "filename": upload.filename,
        "mime": upload.mime,
        "bytes": len(upload.data),
    }


def runner_from_environment(**kwargs: Any) -> JobRunner:
    """A runner from the user's settings, key store and environment (see core.setup)."""
    from .setup import make_runner

    return make_runner(**kwargs)
