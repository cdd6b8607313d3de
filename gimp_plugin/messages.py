"""What the artist reads: core errors and job stages turned into short sentences.

The core never formats UI text; this is where the GIMP adapter does. Every
message names what happened and what to do next, never a traceback, and passes
through the core's `redact` so no key can slip into a dialog or a log. Imports
the core's pure modules (no gi, no numpy).
"""

from __future__ import annotations

from .core import errors
from .core.jobs.cost import SpendCapError
from .core.store.secrets import MESSAGE_MAX, KeyStoreError, user_text
from .core.store.settings import SettingsError

TITLE = "OpenAI Images"


class UserError(Exception):
    """A run cannot start as asked (no prompt, no layer, nothing to edit); the text says why."""


STAGE_TEXT = {
    "queued": "preparing the request",
    "uploading": "sending the image",
    "rendering": "the model is rendering",
    "partial": "receiving a preview",
    "downloading": "receiving the result",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
}


# The core decides that there is nothing to edit (core.pixels.planning.edit_target);
# these are GIMP's words for each reason.
NOTHING_TO_EDIT = {
    "empty_selection": "The selection is empty: select the area to repaint.",
    "outside_canvas": "The selection lies outside the canvas: select an area on the image.",
    "no_selection": "Nothing is selected: select the area to repaint.",
    "opaque_layer": (
        "Select the area to repaint first (or leave part of the layer transparent to fill it)."
    ),
}


def stage_text(stage: str, candidate: int | None = None, count: int = 1) -> str:
    text = STAGE_TEXT.get(stage, stage)
    if candidate is not None and count > 1:
        text += f" (candidate {candidate + 1} of {count})"
    return f"{TITLE}: {text}…"


def _request_id(error: BaseException) -> str:
    rid = getattr(error, "request_id", None)
    return f" (request id {rid})" if rid else ""


def describe(error: BaseException) -> str:
    """One clear message for any error a run can meet."""
    if isinstance(error, errors.ModerationError):
        text = (
            "The request was refused by OpenAI's safety system (moderation). "
            "Change the prompt or the image and try again; nothing was added to the image."
        )
    elif isinstance(error, errors.AuthenticationError):
        text = (
            "The API key was rejected (HTTP 401). Set a valid key in "
            "Filters > Generative > OpenAI Images > Settings; nothing was added to the image."
        )
    elif isinstance(error, errors.PermissionDeniedError):
        text = (
            "This key or organization may not use this model (HTTP 403). "
            "Check the project's model access."
        )
    elif isinstance(error, errors.QuotaError):
        text = "The account is out of credit or over its billing limit. Add credit and try again."
    elif isinstance(error, errors.RateLimitError):
        text = "Too many requests right now (HTTP 429). Wait a minute and try again."
    elif isinstance(error, errors.NotFoundError):
        text = (
            "The server does not know this model or address (HTTP 404). "
            "Check the model and base URL."
        )
    elif isinstance(error, errors.InternalServerError):
        text = "The Images API had a server error. Try again later."
    elif isinstance(error, errors.APITimeoutError):
        text = (
            "The request timed out. Try a lower quality or size, or raise the timeout in Settings."
        )
    elif isinstance(error, errors.APIConnectionError):
        text = f"Could not reach the Images API: {error}. Check the network, proxy and base URL."
    elif isinstance(error, errors.NothingToEditError):
        text = NOTHING_TO_EDIT.get(error.reason, str(error))
    elif isinstance(error, errors.ValidationError):
        text = f"This model cannot take that request: {error.field} {error.rule}."
    elif isinstance(error, errors.ConfigurationError):
        text = f"OpenAI Images is not set up: {error}. Open Settings to fix it."
    elif isinstance(error, SpendCapError):
        text = f"Not sent: the {error}. Raise the cap in Settings to go ahead."
    elif isinstance(error, SettingsError):
        text = f"This setting is not valid: {error}."
    elif isinstance(error, KeyStoreError):
        text = f"The API key could not be stored: {error}."
    elif isinstance(error, errors.CancelledError):
        text = "Cancelled; nothing was added to the image."
    elif isinstance(error, errors.APIStatusError):
        text = f"The Images API refused the request: {error}."
    elif isinstance(error, errors.ImagesError):
        text = f"The request failed: {error}."
    elif isinstance(error, UserError):
        text = str(error)
    else:
        text = f"Unexpected error ({type(error).__name__}): {error}."
    return user_text(f"{TITLE}: {text}{_request_id(error) if 'request id' not in text else ''}",
                     limit=MESSAGE_MAX + len(TITLE) + 200)
