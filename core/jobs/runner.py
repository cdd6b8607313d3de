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

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..api.client import ImagesClient
from ..api.client_config import CALL_DEADLINE
from ..api.requests import UploadFile
from ..errors import APITimeoutError, CancelledError, ImagesError, ResponseError, ValidationError
from ..models.catalogue import ModelSpec
from ..models.lifecycle import AccountLifecycle, Lifecycle, lifecycle
from ..pixels.answers import decode_answer
from ..pixels.geometry import Bounds
from ..pixels.imaging import Image, ImageDecodeError
from ..pixels.planning import CanvasSnapshot
from ..store.history import History
from .cost import CostEstimate, SpendTracker
from .delivery import ManifestReader, account, deliver, price_reply
from .job_handle import FINAL_STAGES, STAGES, Candidate, Job, JobResult, Progress
from .options import JobOptions
from .quote import price_recipe
from .recipes import (
    AS_IS_PREFIX,
    Recipe,
    edit_recipe,
    generate_recipe,
    split,
    streams,
    variation_recipe,
)
from .transfer import ByteEvents

__all__ = [
    "AS_IS_PREFIX", "FINAL_STAGES", "STAGES", "Candidate", "Job", "JobOptions", "JobResult",
    "JobRunner", "Progress", "Recipe",
]

log = logging.getLogger("openai_images.jobs")
# As the client's deadline for a call with its retries (api/client_config.py): the
# calls of one job run side by side, so a job rarely needs longer than its longest call.
JOB_DEADLINE = CALL_DEADLINE
ACCOUNT_WAIT_S = 5.0  # the longest a refusal waits for the account's model list


class JobRunner:
    """Starts jobs against one client and one history. Safe to share between threads."""

    def __init__(
        self,
        client: ImagesClient,
        history: History,
        spend: SpendTracker | None = None,
        max_parallel: int = 4,
        account: AccountLifecycle | None = None,
        job_deadline: float = JOB_DEADLINE,
    ) -> None:
        self.client = client
        self.history = history
        self.spend = spend
        self.max_parallel = max_parallel
        self.account = account  # the account's shutdown dates; None: the catalogue's only
        self.job_deadline = job_deadline  # seconds from submit to the last candidate
        # the CLI's C2PA reader (delivery.ManifestReader); the hosts leave it None
        self.read_manifest: ManifestReader | None = None

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

    # -- starting jobs ---------------------------------------------------------
    def submit(self, recipe: Recipe) -> Job:
        job = Job(recipe.kind, recipe.prompt, recipe.options)
        thread = threading.Thread(
            target=self._run, args=(job, recipe), name=f"openai-images-job-{job.id}"
        )
        thread.daemon = True  # a host quitting mid-job must not hang on it
        thread.start()
        return job

    def submit_generate(
        self, prompt: str, target: Bounds, options: JobOptions, document_name: str = ""
    ) -> Job:
        return self.submit(generate_recipe(prompt, target, options, document_name))

    def submit_edit(
        self,
        prompt: str,
        snapshot: CanvasSnapshot,
        options: JobOptions,
        references: Sequence[Image] = (),
        markup: Image | None = None,
        whole_image: bool = False,
    ) -> Job:
        return self.submit(edit_recipe(prompt, snapshot, options, references, markup, whole_image))

    def submit_variation(
        self, snapshot: CanvasSnapshot, options: JobOptions, prompt: str | None = None
    ) -> Job:
        return self.submit(variation_recipe(snapshot, options, prompt))

    def quote(self, recipe: Recipe) -> CostEstimate:
        """The estimate the caps will check, from the recipe's real plan (encodes:
        call it off the host's main thread, or use core.quote's bounds-only quotes)."""
        return price_recipe(recipe, recipe.plan())

    def dry_run(self, recipe: Recipe) -> dict[str, Any]:
        """Plan and validate without sending: what would go over the wire, and its cost."""
        standing = self._check_model(recipe)
        plan = recipe.plan()
        calls = split(recipe, plan)
        req = calls[0][1]
        req.validate(recipe.spec)
        wire = req.to_wire(recipe.spec)
        est = price_recipe(recipe, plan)
        cap = self._cap_problem(recipe, est)
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
            "refused": cap,
        }

    def _check_model(self, recipe: Recipe) -> Lifecycle:
        """A shut-down model is refused before anything is planned or uploaded."""
        standing = self.standing(recipe.spec)
        if not standing.alive:
            raise ValidationError("model", standing.notice() or f"{recipe.spec.id} is shut down")
        return standing

    # -- the worker ----------------------------------------------------------
    def _run(self, job: Job, recipe: Recipe) -> None:
        # The job's deadline fires its own cancel token: every wait and socket of the job
        # already wakes on that, and the flag turns the cancel into a timeout.
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            job.token.cancel()

        timer = threading.Timer(self.job_deadline, expire)
        timer.daemon = True
        timer.start()
        try:
            self._work(job, recipe)
        finally:
            timer.cancel()
        if job.state in FINAL_STAGES:
            return
        if not expired.is_set():
            job.finish("cancelled", CancelledError("cancelled"))
            return
        timeout = APITimeoutError(
            f"the job gave up after {self.job_deadline:.0f} s without finishing "
            "(the limit for a job)"
        )
        if job.result.candidates:  # what arrived is on disk and stays the job's result
            job.result.failures.append(timeout)
            job.finish("done")
        else:
            job.finish("failed", timeout)

    def _work(self, job: Job, recipe: Recipe) -> None:
        try:
            job.token.raise_if_cancelled()
            notice = self._check_model(recipe).notice()
            if notice:  # a model about to shut down: said once per job, then the job goes on
                job.result.notices.append(notice)
                job.emit(Progress("notice", notice))
            plan = recipe.plan()
            calls = split(recipe, plan)
            for _, req in calls:
                req.validate(recipe.spec)
            job.result.estimate = price_recipe(recipe, plan)
            self._check_caps(recipe, job.result.estimate)
            self._run_calls(job, recipe, plan, calls)
        except CancelledError:
            return  # _run says whether a cancel or the deadline ended the job
        except ImagesError as exc:
            job.finish("failed", exc)
            return
        except Exception as exc:  # a bug must end the job with a message, never hang the host
            log.exception("job %s crashed", job.id)
            job.finish("failed", ImagesError(f"internal error: {exc!r}"))
            return
        if job.token.cancelled:
            return
        if job.result.candidates:
            job.finish("done")
        else:
            job.finish("failed", job.result.failures[0] if job.result.failures else None)

    def _check_caps(self, recipe: Recipe, est: CostEstimate) -> None:
        """Refuse, before any upload, a job whose estimate would pass a cap."""
        if self.spend is not None:
            opts = recipe.options
            self.spend.check(
                est, cap_per_day=opts.spend_cap_day_usd, cap_per_job=opts.spend_cap_job_usd
            )

    def _cap_problem(self, recipe: Recipe, est: CostEstimate) -> str | None:
        """What a dry run reports: the cap the job would be refused on, or None."""
        try:
            self._check_caps(recipe, est)
        except ImagesError as exc:
            return str(exc)
        return None

    def _run_calls(self, job: Job, recipe: Recipe, plan: Any, calls: list[tuple[int, Any]]) -> None:
        lock = threading.Lock()
        send = self._sender(recipe)

        def one(first: int, req: Any) -> None:
            def on_partial(index: int, data: bytes) -> None:
                try:
                    image = decode_answer(data, plan.api_extent)  # the final image's checks
                except ImageDecodeError as exc:  # a broken preview is skipped: the final one counts
                    log.warning("job %s: partial image %d skipped: %s", job.id, index, exc)
                    return
                preview = recipe.to_patch(plan, image, first)
                job.emit(Progress("partial", "", first, index, preview))

            # The stages follow the bytes: "uploading" while the body goes out,
            # "rendering" once all of it is sent, "downloading" as the reply comes.
            job.emit(Progress("uploading", candidate=first))
            transfer = ByteEvents(job, first)
            try:
                result = send(
                    req, on_partial=on_partial if streams(recipe) else None, cancel=job.token,
                    on_bytes=transfer.report,
                )
            except CancelledError:
                raise
            except ImagesError as exc:
                with lock:
                    job.result.failures.append(exc)
                return
            transfer.finish()
            job.emit(Progress("downloading", candidate=first))
            booked = price_reply(job, recipe.spec, result)
            for offset, data in enumerate(result.images):
                try:
                    candidate = deliver(
                        self.history, job, recipe, plan, result, data, first + offset, booked,
                        self.read_manifest,
                    )
                except ResponseError as failure:
                    # An image we cannot use (damaged, a bomb, far from the size asked for)
                    # fails its own candidate with the request id; the others still arrive.
                    with lock:
                        job.result.failures.append(failure)
                    continue
                with lock:
                    job.result.candidates.append(candidate)
            with lock:
                account(self.spend, job, result, booked)

        with ThreadPoolExecutor(max_workers=min(len(calls), self.max_parallel)) as pool:
            futures = [pool.submit(one, first, req) for first, req in calls]
            errors = [f.exception() for f in futures]
        for err in errors:
            if err is not None:
                raise err
        job.result.candidates.sort(key=lambda c: c.index)

    def _sender(self, recipe: Recipe) -> Any:
        """The client call for the recipe's endpoint."""
        calls = {"generate": self.client.generate, "edit": self.client.edit,
                 "vary": self.client.vary}
        return calls[recipe.endpoint]


def _region_of(b: Bounds) -> list[int]:
    return [b.x, b.y, b.width, b.height]


def _describe_file(part: str, upload: UploadFile) -> dict[str, Any]:
    """A file part by name, size and type: a dry run prints no image bytes."""
    return {
        "part": part,
        "filename": upload.filename,
        "mime": upload.mime,
        "bytes": len(upload.data),
    }
