"""The words the artist reads, one set for every entry point (issue 18).

The Krita docker, the GIMP dialogs and wait window, the CLI's help and the
README name the same things with these words: a job is "Generate", "Fill
selection" or "Variations"; the results of one job are its "candidates"; a
result is kept with "Keep" (Krita's button says "Apply", the word Krita uses for
committing a preview) and thrown away with "Discard". Before this module the two
panels disagreed ("Images" in Krita, "Candidates" in GIMP; "default" and "Auto").

Words only, in English, each marked with `N_` so that xgettext finds them; no
translation happens here, because the core imports no host: each adapter passes
them through its own `_()` (GIMP: gettext with the plug-in's domain; Krita: the
`i18n` Krita puts into builtins). `progress_line` and `stage_fraction` are the
one reading of a job's progress for both panels (the same line in Krita's bar
and GIMP's wait window), with the translation function handed in.
The errors' sentences stay with the adapters (core/errors.py formats no UI text).
Imports nothing of the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

Translate = Callable[[str], str]


def N_(text: str) -> str:  # noqa: N802 (gettext's name for "mark, do not translate")
    return text


PRODUCT = "OpenAI Images"  # a name: never translated

# The job kinds (core.jobs.options.JobKind) as the artist names them: the main
# button of the Krita docker, the job picker, and GIMP's menu items.
JOB_NAMES = {
    "generate": N_("Generate"),
    "edit": N_("Fill selection"),
    "variation": N_("Variations"),
}

# One label per option, the same in both panels (GIMP adds its mnemonics).
PROMPT = N_("Prompt")
MODEL = N_("Model")
CUSTOM_MODEL = N_("Custom model id")
SIZE = N_("Size")
SIZE_AUTO = N_("Automatic (fit the selection)")
SIZE_CUSTOM = N_("Custom…")
QUALITY = N_("Quality")
COMPLEXITY = N_("Complexity")
CANDIDATES = N_("Candidates")
BACKGROUND = N_("Background")
CONTEXT_PADDING = N_("Context padding")
WHOLE_IMAGE = N_("Send the whole image")
INPUT_FIDELITY = N_("Input fidelity")
MARKUP_LAYER = N_("Markup layer")
REFERENCE_LAYERS = N_("Reference layers")
VISIBLE_IMAGE = N_("Use the visible image")
STREAM_PREVIEWS = N_("Stream previews")
ADVANCED = N_("Advanced options")
RECENT_PROMPTS = N_("Recent prompts…")
PROMPT_PLACEHOLDER = N_("Describe the image, or what goes in the selection")

# The values that send nothing: the API (or the model) decides.
AUTO = N_("Auto")
MODEL_DEFAULT = N_("Model default")

# What is done with candidates.
KEEP = N_("Keep")
KEEP_ALL = N_("Keep all")
APPLY = N_("Apply")
APPLY_ALL = N_("Apply all")
DISCARD = N_("Discard")
CANCEL = N_("Cancel")
SETTINGS = N_("Settings…")

# The stages of core.jobs.job_handle.Stage, as one phrase each ("notice" is shown
# as its own line, not as a stage).
STAGES = {
    "queued": N_("Preparing the request"),
    "uploading": N_("Sending the image"),
    "rendering": N_("Rendering"),
    "partial": N_("Rendering, preview {k} of {total}"),
    "downloading": N_("Receiving the result"),
    "done": N_("Done"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
    "cancelling": N_("Cancelling…"),
    "ready": N_("Ready"),
}
CANDIDATE_K_OF_N = N_("candidate {k} of {n}")
FINAL = ("done", "failed", "cancelled")  # the stages that end a job
DONE_IN = N_("Done in {time}")  # the status line after a job: how long it took


def identity(text: str) -> str:
    return text


def elapsed_text(seconds: float) -> str:
    """"7 s", "1 min 05 s": short enough for a progress bar, no unit to translate."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


def progress_line(
    stage: str,
    *,
    candidate: int | None = None,
    count: int = 1,
    partial_index: int | None = None,
    partials: int = 0,
    elapsed: float | None = None,
    _: Translate = identity,
) -> str:
    """The one line both panels show for a job's stage: "Rendering (candidate 2 of 3) · 12 s".

    `candidate` and `partial_index` count from 0, as the core's events do; the
    candidate is named only when there are several, the time only while it runs."""
    words = _(STAGES.get(stage, stage))
    if stage == "partial":
        k = (partial_index or 0) + 1
        words = words.format(k=k, total=max(partials, k))
    if candidate is not None and count > 1:
        words += " (" + _(CANDIDATE_K_OF_N).format(k=candidate + 1, n=count) + ")"
    if elapsed is not None:
        words += " · " + elapsed_text(elapsed)
    return words


def stage_fraction(
    stage: str,
    *,
    partial_index: int | None = None,
    partials: int = 0,
    bytes_done: int | None = None,
    bytes_total: int | None = None,
) -> float | None:
    """How far the current stage is, 0..1, where the stage can say (bytes sent or received
    of a known total; preview k of the previews asked for); None: it cannot (a busy bar).

    Rendering has no measure of its own: the API says nothing until an image comes."""
    if stage in ("uploading", "downloading") and bytes_total:
        return min(1.0, max(0.0, (bytes_done or 0) / bytes_total))
    if stage == "partial" and partials > 0 and partial_index is not None:
        # preview k of P: the final image is one step more, so never "full" here
        return min(1.0, (partial_index + 1) / (partials + 1))
    if stage == "done":
        return 1.0
    return None


def byte_counts(event: Any) -> tuple[int | None, int | None]:
    """(bytes done, bytes total) of a core Progress event, when it carries them: the fields
    arrive with a change of core.jobs.job_handle.Progress ("uploading"/"downloading");
    an event without them has no byte measure. Duck-typed, so this module needs no jobs."""
    names = {f.name for f in fields(event)} if is_dataclass(event) else set()
    if not {"bytes_done", "bytes_total"} <= names:
        return None, None
    return event.bytes_done, event.bytes_total


def event_fraction(event: Any, partials: int) -> float | None:
    """stage_fraction of a core Progress event (`partials`: the previews asked for)."""
    done, total = byte_counts(event)
    return stage_fraction(event.stage, partial_index=event.partial_index, partials=partials,
                          bytes_done=done, bytes_total=total)


def event_line(
    event: Any, count: int, partials: int, elapsed: float | None, _: Translate = identity
) -> str:
    """progress_line of a core Progress event."""
    return progress_line(event.stage, candidate=event.candidate, count=count,
                         partial_index=event.partial_index, partials=partials,
                         elapsed=elapsed, _=_)
