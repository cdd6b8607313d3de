"""What the GIMP dialogs show, as data: the fields in view, the ones folded away under
"Advanced options", the fields a model does not take (hidden, not merely greyed), and
the size presets with their labels.

The procedures' arguments stay as they are (scripts pass them all, GIMP
remembers them all); this module only decides how the interactive dialog lays
them out, so the edit dialog shows the handful an artist sets on most runs
instead of thirteen fields flat. No gi here: the unit tests check the layout
without GIMP, and dialog.py applies it to the GimpUi.ProcedureDialog.
"""

from __future__ import annotations

from . import arguments as a
from .core import glossary as words
from .core.models.catalogue import get_model
from .core.models.size_presets import AUTO, is_large, size_presets
from .i18n import _

# Set once and rarely again: folded away until the artist opens the expander.
ADVANCED = (a.CUSTOM_MODEL.name, a.PADDING.name, a.WHOLE_IMAGE.name, a.FIDELITY.name,
            a.SAMPLE_MERGED.name, a.STREAM.name)
CUSTOM = ""  # the presets' last item: the size entry holds what was typed
# The options one model may take no value of (hidden_fields says which, per model).
MODEL_DEPENDENT = frozenset({a.COMPLEXITY.name, a.FIDELITY.name, a.BACKGROUND.name,
                             a.MARKUP.name, a.STREAM.name})


def split_fields(name: str) -> tuple[list[str], list[str]]:
    """(fields in view, fields under Advanced options) of procedure `name`, in dialog order."""
    fields = a.dialog_fields(name)
    return [f for f in fields if f not in ADVANCED], [f for f in fields if f in ADVANCED]


def hidden_fields(model: str, present: set[str] | frozenset[str]) -> set[str]:
    """The fields among `present` that `model` takes no value of: hidden in the dialog (their
    value is reset to "send nothing" by the dialog, so nothing hidden is ever sent)."""
    spec = get_model(model)
    untaken = {
        a.COMPLEXITY.name: not spec.complexity,
        a.FIDELITY.name: not spec.input_fidelity,
        a.BACKGROUND.name: not spec.background,
        a.MARKUP.name: not spec.markup,
        a.STREAM.name: not spec.streaming,
    }
    return {f for f, hide in untaken.items() if hide and f in present}


def size_items(model: str) -> list[tuple[str, str]]:
    """(value, label) of the size presets for `model`, then ("", "Custom…")."""
    spec = get_model(model)
    items = []
    for size in size_presets(spec):
        if size == AUTO:
            label = _(words.SIZE_AUTO)
        else:
            label = size.replace("x", " × ") + (" " + _("(large)") if is_large(spec, size) else "")
        items.append((size, label))
    items.append((CUSTOM, _(words.SIZE_CUSTOM)))
    return items


def preset_index(items: list[tuple[str, str]], size: str) -> int:
    """The item showing `size`: its preset, else "Custom…" (the last)."""
    wanted = (size or AUTO).strip().lower()
    for index, (value, _label) in enumerate(items):
        if value == wanted:
            return index
    return len(items) - 1
