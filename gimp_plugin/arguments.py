"""The procedures' arguments as data, and turning their values into the core's JobOptions.

GIMP remembers every procedure argument between runs (and shows them in its
dialogs), so the arguments here are exactly what an artist expects to be
remembered: prompt, model, size, quality, count... and never the API key.
`procedures.py` registers them with GIMP; this module has no `gi` so the unit
tests can check the names, choices and conversions without GIMP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .core.catalogue import DEFAULT_MODEL, known_models

PROCEDURE_PREFIX = "plug-in-openai-images-"
GENERATE = PROCEDURE_PREFIX + "generate"
EDIT = PROCEDURE_PREFIX + "edit"
VARIATIONS = PROCEDURE_PREFIX + "variations"
SETTINGS = PROCEDURE_PREFIX + "settings"
MENU_PATH = "<Image>/Filters/Generative/OpenAI Images/"

AUTO = "auto"
DEFAULT_FIDELITY = "default"  # "send no input_fidelity" (gpt-image-2 rejects the field)


# Mnemonics (the underlined letters) are unique per dialog and avoid those of the
# dialog's own buttons: Help, Reset, Cancel, OK, Load/Save Settings.


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


def model_choices() -> tuple[tuple[str, str], ...]:
    """Every live catalogued model, the default first."""
    ids = [m.id for m in known_models()]
    ids.sort(key=lambda i: i != DEFAULT_MODEL)
    return tuple((i, i) for i in ids)


def quality_choices() -> tuple[tuple[str, str], ...]:
    seen: list[str] = []
    for spec in known_models():
        seen.extend(q for q in spec.qualities if q not in seen and q not in ("standard", "hd"))
    seen.sort(key=lambda q: q != AUTO)
    return tuple((q, q.capitalize()) for q in seen)


PROMPT = Argument(
    "prompt", "string", "_Prompt", "What to paint (for an edit: what goes in the selection)", ""
)
MODEL = Argument("model", "choice", "_Model", "Images API model", DEFAULT_MODEL)
CUSTOM_MODEL = Argument(
    "custom-model",
    "string",
    "Custom model _id",
    "Any model id (OpenAI-compatible servers, Azure deployments); overrides Model when set",
    "",
)
SIZE = Argument(
    "size", "string", "Si_ze", "'auto' or WIDTHxHEIGHT sent to the API, e.g. 1536x1024", AUTO
)
QUALITY = Argument("quality", "choice", "_Quality", "Rendering quality (cost grows with it)", AUTO)
COUNT = Argument(
    "count", "int", "Ca_ndidates", "How many results; each becomes a layer", 1, (), 1, 10
)
BACKGROUND = Argument(
    "background",
    "choice",
    "_Background",
    "Transparent asks the model for an alpha background",
    AUTO,
    ((AUTO, "Auto"), ("transparent", "Transparent"), ("opaque", "Opaque")),
)
PADDING = Argument(
    "context-padding",
    "int",
    "Context pa_dding",
    "Pixels of surroundings sent around the selection",
    64,
    (),
    0,
    4096,
)
WHOLE_IMAGE = Argument(
    "whole-image", "boolean", "Send the _whole image", "Send the whole image as context", False
)
FIDELITY = Argument(
    "input-fidelity",
    "choice",
    "Input _fidelity",
    "How closely the model keeps the input (some models only)",
    DEFAULT_FIDELITY,
    ((DEFAULT_FIDELITY, "Model default"), ("low", "Low"), ("high", "High")),
)
MARKUP = Argument(
    "markup-layer",
    "layer",
    "Mar_kup layer",
    "A layer of scribbles that guides the edit instead of a mask (GPT Image 2.5)",
)
SAMPLE_MERGED = Argument(
    "sample-merged",
    "boolean",
    "Sample mer_ged",
    "Use the visible image instead of the active layer",
    False,
)
STREAM = Argument(
    "stream-previews",
    "boolean",
    "Stream pre_views",
    "Show partial images while the model renders",
    False,
)


def procedure_arguments(name: str) -> tuple[Argument, ...]:
    """The arguments of one procedure, in dialog order."""
    model = (
        Argument(MODEL.name, "choice", MODEL.label, MODEL.help, MODEL.default, model_choices()),
        CUSTOM_MODEL,
    )
    quality = Argument(QUALITY.name, "choice", QUALITY.label, QUALITY.help, AUTO, quality_choices())
    if name == GENERATE:
        return (PROMPT, *model, SIZE, quality, COUNT, BACKGROUND, STREAM)
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
        )
    if name == VARIATIONS:
        return (PROMPT, *model, SIZE, quality, COUNT, SAMPLE_MERGED)
    return ()


@dataclass(frozen=True)
class RunValues:
    """What one run asked for, read from the procedure's config (GIMP objects stay opaque)."""

    prompt: str
    model: str
    size: str
    quality: str | None
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
    return RunValues(
        prompt=(value(PROMPT) or "").strip(),
        model=custom or value(MODEL) or DEFAULT_MODEL,
        size=(value(SIZE) or AUTO).strip().lower() or AUTO,
        # "auto" is what the API does when the field is left out; leaving it out
        # also keeps models that do not list "auto" happy.
        quality=None if quality == AUTO else quality,
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
        "count": values.count,
        "background": values.background,
        "context-padding": values.padding,
        "whole-image": values.whole_image,
        "input-fidelity": values.input_fidelity,
        "sample-merged": values.sample_merged,
        "stream-previews": values.stream,
    }
