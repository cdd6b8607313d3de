"""The procedures' arguments as data, and turning their values into the core's JobOptions.

GIMP remembers every procedure argument between runs (and shows them in its
dialogs), so the arguments here are exactly what an artist expects to be
remembered: prompt, model, size, quality, count... and never the API key.
`procedures.py` registers them with GIMP; this module has no `gi` so the unit
tests can check the names, choices and conversions without GIMP.

A procedure's choice lists are fixed when GIMP registers it, so the quality and
complexity lists are the union over the live models: `model_takes` says what
one model takes (the dialog greys out the rest) and `combination_problem` is
the one line a run answers with, before anything is read or sent, when the
model and a choice do not go together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .core import glossary as words
from .core.models.catalogue import DEFAULT_MODEL, MAX_CANDIDATES, get_model
from .core.models.lifecycle import lifecycle, live_models
from .i18n import _

PROCEDURE_PREFIX = "plug-in-openai-images-"
GENERATE = PROCEDURE_PREFIX + "generate"
EDIT = PROCEDURE_PREFIX + "edit"
VARIATIONS = PROCEDURE_PREFIX + "variations"
SETTINGS = PROCEDURE_PREFIX + "settings"
MENU_PATH = "<Image>/Filters/Generative/OpenAI Images/"

AUTO = "auto"
DEFAULT_FIDELITY = "default"  # "send no input_fidelity" (gpt-image-2 rejects the field)
DEFAULT_COMPLEXITY = "default"  # "send no complexity": the model's own default
BACKGROUNDS = ("transparent", "opaque")


# Mnemonics (the underlined letters) are unique per dialog and avoid those of the
# dialog's own buttons: Help, Reset, Cancel, OK, Load/Save Settings.


def mnemonic(word: str, letter: str) -> str:
    """The glossary's `word`, translated, with `letter` underlined (its first occurrence);
    a translation without that letter gets its first letter underlined instead."""
    text = _(word)
    at = text.lower().find(letter)
    return text[:at] + "_" + text[at:] if at >= 0 else "_" + text


@dataclass(frozen=True)
class Argument:
    """One typed procedure argument. `kind` picks the GIMP add_*_argument call."""

    name: str
    kind: str  # "string", "choice", "int", "boolean", "layer"
    label: str
    help: str
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: int = 0
    maximum: int = 0


def model_choices(today: date | None = None) -> tuple[tuple[str, str], ...]:
    """The catalogue's models alive today, the default first; one in its last days is
    labelled " (ends YYYY-MM-DD)" (the label only: the value stays the bare id)."""
    pairs = []
    for spec in live_models(today):
        standing = lifecycle(spec, today)
        ends = standing.shutdown if standing.status == "ending" else None
        pairs.append((spec.id, spec.id + (f" (ends {ends.isoformat()})" if ends else "")))
    pairs.sort(key=lambda pair: pair[0] != DEFAULT_MODEL)
    return tuple(pairs)


def _union(values: list[tuple[str, ...]]) -> list[str]:
    seen: list[str] = []
    for group in values:
        seen.extend(v for v in group if v not in seen)
    return seen


def quality_choices(today: date | None = None) -> tuple[tuple[str, str], ...]:
    """Every quality a live model takes, "auto" (sends none) first."""
    seen = _union([spec.qualities for spec in live_models(today)])
    seen.sort(key=lambda q: q != AUTO)
    return tuple((q, _(words.AUTO) if q == AUTO else q.capitalize()) for q in seen)


def complexity_choices(today: date | None = None) -> tuple[tuple[str, str], ...]:
    """Model default (sends none) first, then every complexity a live model takes."""
    seen = _union([spec.complexity for spec in live_models(today)])
    return ((DEFAULT_COMPLEXITY, _(words.MODEL_DEFAULT)), *((c, c.capitalize()) for c in seen))


# Labels are the glossary's words (the same as the Krita docker's), help texts GIMP's own.
PROMPT = Argument(
    "prompt", "string", mnemonic(words.PROMPT, "p"),
    _("What to paint (for an edit: what goes in the selection)"), "",
)
MODEL = Argument("model", "choice", mnemonic(words.MODEL, "m"), _("Images API model"),
                 DEFAULT_MODEL)
CUSTOM_MODEL = Argument(
    "custom-model",
    "string",
    mnemonic(words.CUSTOM_MODEL, "i"),
    _("Any model id (OpenAI-compatible servers, Azure deployments); overrides Model when set"),
    "",
)
SIZE = Argument(
    "size", "string", mnemonic(words.SIZE, "z"),
    _("'auto' or WIDTHxHEIGHT sent to the API, e.g. 1536x1024"), AUTO,
)
QUALITY = Argument("quality", "choice", mnemonic(words.QUALITY, "q"),
                   _("Rendering quality (cost grows with it)"), AUTO)
COMPLEXITY = Argument(
    "complexity",
    "choice",
    mnemonic(words.COMPLEXITY, "e"),
    _("Planning effort, apart from quality (some models only); Model default sends none"),
    DEFAULT_COMPLEXITY,
)
COUNT = Argument(  # the core's bound (core.jobs.recipes), also for a model that takes fewer
    "count", "int", mnemonic(words.CANDIDATES, "n"),
    _("How many results; an interactive run lets you pick, a script gets each as a layer"),
    1, (), 1, MAX_CANDIDATES,
)
BACKGROUND = Argument(
    "background",
    "choice",
    mnemonic(words.BACKGROUND, "b"),
    _("Transparent asks the model for an alpha background"),
    AUTO,
    ((AUTO, _(words.AUTO)), ("transparent", _("Transparent")), ("opaque", _("Opaque"))),
)
PADDING = Argument(
    "context-padding",
    "int",
    mnemonic(words.CONTEXT_PADDING, "d"),
    _("Pixels of surroundings sent around the selection"),
    64,
    (),
    0,
    4096,
)
WHOLE_IMAGE = Argument(
    "whole-image", "boolean", mnemonic(words.WHOLE_IMAGE, "w"),
    _("Send the whole image as context"), False,
)
FIDELITY = Argument(
    "input-fidelity",
    "choice",
    mnemonic(words.INPUT_FIDELITY, "f"),
    _("How closely the model keeps the input (some models only)"),
    DEFAULT_FIDELITY,
    ((DEFAULT_FIDELITY, _(words.MODEL_DEFAULT)), ("low", _("Low")), ("high", _("High"))),
)
MARKUP = Argument(
    "markup-layer",
    "layer",
    mnemonic(words.MARKUP_LAYER, "k"),
    _("A layer of scribbles that guides the edit instead of a mask (GPT Image 2.5)"),
)
SAMPLE_MERGED = Argument(
    "sample-merged",
    "boolean",
    mnemonic(words.VISIBLE_IMAGE, "u"),
    _("Use the visible image instead of the active layer (GIMP's Sample merged)"),
    False,
)
STREAM = Argument(
    "stream-previews",
    "boolean",
    mnemonic(words.STREAM_PREVIEWS, "v"),
    _("Show partial images while the model renders"),
    False,
)


def procedure_arguments(name: str) -> tuple[Argument, ...]:
    """The arguments of one procedure, in registration order. Arguments added after the
    first release go last, so a caller that passes them by position keeps working."""
    models = model_choices()
    # The default first: DEFAULT_MODEL while it lives, else the first live model, so
    # that a shutdown date reached in the data never leaves a default outside the list.
    model = (
        Argument(MODEL.name, "choice", MODEL.label, MODEL.help, models[0][0], models),
        CUSTOM_MODEL,
    )
    quality = Argument(QUALITY.name, "choice", QUALITY.label, QUALITY.help, AUTO, quality_choices())
    complexity = Argument(
        COMPLEXITY.name,
        "choice",
        COMPLEXITY.label,
        COMPLEXITY.help,
        DEFAULT_COMPLEXITY,
        complexity_choices(),
    )
    if name == GENERATE:
        return (PROMPT, *model, SIZE, quality, COUNT, BACKGROUND, STREAM, complexity)
    if name == EDIT:
        return (
            PROMPT,
            *model,
            SIZE,
            quality,
            COUNT,
            BACKGROUND,
            PADDING,
            WHOLE_IMAGE,
            FIDELITY,
            MARKUP,
            SAMPLE_MERGED,
            STREAM,
            complexity,
        )
    if name == VARIATIONS:
        return (PROMPT, *model, SIZE, quality, COUNT, SAMPLE_MERGED, complexity)
    return ()


def dialog_fields(name: str) -> list[str]:
    """The procedure's argument names in dialog order: complexity beside quality."""
    names = [a.name for a in procedure_arguments(name) if a.name != COMPLEXITY.name]
    if QUALITY.name in names:
        names.insert(names.index(QUALITY.name) + 1, COMPLEXITY.name)
    return names


@dataclass(frozen=True)
class RunValues:
    """What one run asked for, read from the procedure's config (GIMP objects stay opaque)."""

    prompt: str
    model: str
    size: str
    quality: str | None
    complexity: str | None
    count: int
    background: str | None
    padding: int
    whole_image: bool
    input_fidelity: str | None
    markup_layer: Any
    reference_layers: tuple[Any, ...]
    sample_merged: bool
    stream: bool


def read_values(
    name: str, get: Callable[[str], Any], selected_layers: Sequence[Any] = ()
) -> RunValues:
    """Read a procedure's values through `get(argument_name)`; absent arguments get defaults.

    Reference images for an edit are the other selected layers (GIMP 3 selects
    several with Ctrl-click): the first selected layer is the one edited. They are
    not an argument because GIMP refuses a core-object-array argument a caller
    leaves unset ("out of range", 3.0.4 and 3.2.6), which would break every script.
    """
    present = {a.name for a in procedure_arguments(name)}

    def value(arg: Argument) -> Any:
        return get(arg.name) if arg.name in present else arg.default

    custom = (value(CUSTOM_MODEL) or "").strip()
    quality = value(QUALITY) or AUTO
    background = value(BACKGROUND) or AUTO
    fidelity = value(FIDELITY) or DEFAULT_FIDELITY
    complexity = value(COMPLEXITY) or DEFAULT_COMPLEXITY
    return RunValues(
        prompt=(value(PROMPT) or "").strip(),
        model=custom or value(MODEL) or DEFAULT_MODEL,
        size=(value(SIZE) or AUTO).strip().lower() or AUTO,
        # "auto" is what the API does when the field is left out; leaving it out
        # also keeps models that do not list "auto" happy.
        quality=None if quality == AUTO else quality,
        complexity=None if complexity == DEFAULT_COMPLEXITY else complexity,
        count=max(1, int(value(COUNT) or 1)),
        background=None if background == AUTO else background,
        padding=max(0, int(value(PADDING) or 0)),
        whole_image=bool(value(WHOLE_IMAGE)),
        input_fidelity=None if fidelity == DEFAULT_FIDELITY else fidelity,
        markup_layer=value(MARKUP) if MARKUP.name in present else None,
        reference_layers=tuple(selected_layers[1:]) if name == EDIT else (),
        sample_merged=bool(value(SAMPLE_MERGED)),
        stream=bool(value(STREAM)),
    )


def values_as_dict(values: RunValues) -> Mapping[str, Any]:
    """The plain settings of a run, for logs and return values (no GIMP objects)."""
    return {
        "prompt": values.prompt,
        "model": values.model,
        "size": values.size,
        "quality": values.quality,
        "complexity": values.complexity,
        "count": values.count,
        "background": values.background,
        "context-padding": values.padding,
        "whole-image": values.whole_image,
        "input-fidelity": values.input_fidelity,
        "sample-merged": values.sample_merged,
        "stream-previews": values.stream,
    }


# -- what one model takes -------------------------------------------------------------
# The choice arguments that depend on the model: (argument, its "send nothing" value,
# the word for it in a sentence, where the dialog leaves it to send nothing).
_MODEL_DEPENDENT = (
    (QUALITY, AUTO, "quality", "Quality at Auto"),
    (COMPLEXITY, DEFAULT_COMPLEXITY, "complexity", "Complexity at Model default"),
    (FIDELITY, DEFAULT_FIDELITY, "input fidelity", "Input fidelity at Model default"),
    (BACKGROUND, AUTO, "background", "Background at Auto"),
)


def _sent_values(model: str) -> dict[str, tuple[str, ...]]:
    """Per model-dependent argument, the values `model` accepts on the wire."""
    spec = get_model(model)
    return {
        QUALITY.name: spec.qualities,
        COMPLEXITY.name: spec.complexity,
        FIDELITY.name: spec.input_fidelity,
        BACKGROUND.name: BACKGROUNDS if spec.background else (),
    }


def model_takes(model: str) -> dict[str, tuple[str, ...]]:
    """Per model-dependent choice argument, the values `model` takes, the "send nothing"
    one first: "auto" and "default" are never sent, so every model takes them."""
    sent = _sent_values(model)
    return {
        arg.name: (nothing, *(v for v in sent[arg.name] if v != nothing))
        for arg, nothing, _word, _leave in _MODEL_DEPENDENT
    }


def untaken_choices(
    model: str, get: Callable[[str], Any], present: Collection[str]
) -> dict[str, str]:
    """The model-dependent choices among `present` whose value (read through `get`)
    `model` does not take, each mapped to its "send nothing" value."""
    takes = model_takes(model)
    moves = {}
    for arg, nothing, _word, _leave in _MODEL_DEPENDENT:
        if arg.name in present and (get(arg.name) or nothing) not in takes[arg.name]:
            moves[arg.name] = nothing
    return moves


def _or_list(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def combination_problem(values: RunValues) -> str | None:
    """One line naming what the chosen model takes, when a choice does not suit it; None
    when the run may go ahead. Asked before the canvas is read, so a mismatch costs
    nothing and no job starts (the core would refuse it too, but later, and in the
    request's field names rather than the dialog's words)."""
    sent = _sent_values(values.model)
    chosen = {
        QUALITY.name: values.quality,
        COMPLEXITY.name: values.complexity,
        FIDELITY.name: values.input_fidelity,
        BACKGROUND.name: values.background,
    }
    wrong = []
    for arg, _nothing, word, leave in _MODEL_DEPENDENT:
        value, allowed = chosen[arg.name], sent[arg.name]
        if value is None or value in allowed:  # None: nothing is sent
            continue
        if allowed:
            wrong.append(f"{word} {_or_list(allowed)} (not {value})")
        else:
            wrong.append(f"no {word} (leave {leave})")
    if values.markup_layer is not None and not get_model(values.model).markup:
        wrong.append("no markup layer (leave Markup layer empty)")
    if not wrong:
        return None
    return f"Not sent: {values.model} takes " + "; and ".join(wrong) + "."
