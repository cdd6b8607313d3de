"""What the panel's pickers offer: live models with their marks, and each model's choices.

Whether a model is alive is the core's question (core/models/lifecycle.py: shutdown
dates in the catalogue take effect by themselves, and the account's own dates
outrank them); how the answer reads in a combo box is the adapter's. A model
within its last days is still offered, marked " (ends YYYY-MM-DD)", so that the
artist hears of it before jobs start failing; the mark is display only and is
stripped again wherever the chosen id is read.
Imports the core's catalogue and lifecycle only: no Qt and no krita, so the
adapter tests run it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from .core import glossary
from .core.models.catalogue import ModelSpec
from .core.models.lifecycle import Lifecycle, lifecycle, live_models

ACCOUNT_MARK = " (account)"  # after the ids the catalogue does not offer in the combo box
# Both marks, in either order, at the end of a label or of text typed into the
# editable combo box ("x (account) (ends 2027-01-05)" is x).
_MARKS = re.compile(r"(?:\s*\((?:account|ends \d{4}-\d{2}-\d{2})\))+\s*$")

AccountDates = Mapping[str, "date | None"]
Choice = tuple[str, "str | None"]  # (label, data) of one combo box item


def ends_mark(standing: Lifecycle) -> str:
    """The label's suffix for a model in its last days, " (ends 2026-12-16)"; else ""."""
    if standing.status == "ending" and standing.shutdown is not None:
        return f" (ends {standing.shutdown.isoformat()})"
    return ""


def strip_marks(text: str) -> str:
    """The model id of a combo box label or typed text: the marks removed."""
    return _MARKS.sub("", text.strip())


def model_items(
    today: date | None = None, account: AccountDates | None = None
) -> list[tuple[str, str]]:
    """(label, id) of every catalogued model alive today, in catalogue order."""
    return [
        (spec.id + ends_mark(lifecycle(spec, today, account)), spec.id)
        for spec in live_models(today, account)
    ]


def is_image_model(model_id: str) -> bool:
    """/models lists every model of the account; these are the ones the Images API takes."""
    return "image" in model_id or model_id.startswith("dall-e")


def account_extras(
    account_ids: Iterable[str],
    listed: Iterable[str],
    today: date | None = None,
    account: AccountDates | None = None,
) -> list[str]:
    """The account's image models that `listed` (the combo box's ids) lacks, sorted, once each.

    A model that is shut down stays out even when the account still lists it:
    the stand-in and some servers keep retired ids in GET /models, and a job on
    one would only be refused (the catalogue's date, or the account's own)."""
    have = set(listed)
    return sorted(
        {
            m
            for m in account_ids
            if is_image_model(m) and m not in have and lifecycle(m, today, account).alive
        }
    )


def account_item(
    model_id: str, today: date | None = None, account: AccountDates | None = None
) -> tuple[str, str]:
    """(label, id) of one of the account's extra models."""
    return model_id + ACCOUNT_MARK + ends_mark(lifecycle(model_id, today, account)), model_id


def quality_items(spec: ModelSpec, _: glossary.Translate = glossary.identity) -> list[Choice]:
    """The quality items: "Auto" first (none sent: the API decides, GIMP's word too), then
    `spec`'s ("auto" itself is that first item, not listed twice)."""
    return [(_(glossary.AUTO), None), *((q, q) for q in spec.qualities if q != "auto")]


def complexity_items(spec: ModelSpec, _: glossary.Translate = glossary.identity) -> list[Choice]:
    """The complexity items: "Model default" first (never sent), then `spec`'s, if any."""
    return [(_(glossary.MODEL_DEFAULT), None), *((c, c) for c in spec.complexity)]


def keep_choice(items: list[Choice], current: str | None) -> int:
    """Index of `current` among `items`, else 0 (the "default" item): a choice the newly
    chosen model does not take falls back to sending nothing, never to another value."""
    for index, (_label, data) in enumerate(items):
        if data == current:
            return index
    return 0
