"""The plug-in's PDB procedures: registration with typed, remembered arguments, and dispatch.

Registers plug-in-openai-images-generate / -edit / -variations / -settings
under <Image>/Filters/Generative/OpenAI Images/. Registration imports only gi
and the pure `arguments` module, so GIMP lists the procedures even when a
vendored library is broken; a run then shows ONE message naming the library
(`_vendor.missing_dependency`). Every failure of a run returns an error status
with a sentence for the artist (messages.describe), never a traceback.
The API key is never an argument: GIMP stores arguments in its profile.
"""

from __future__ import annotations

import json
import logging

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, GLib, GObject  # noqa: E402

from . import _vendor, arguments, i18n  # noqa: E402
from .arguments import EDIT, GENERATE, MENU_PATH, SETTINGS, VARIATIONS  # noqa: E402
from .core import glossary  # noqa: E402
from .i18n import _  # noqa: E402

log = logging.getLogger("openai_images.gimp")

_RW = GObject.ParamFlags.READWRITE

def _menu_label(word: str) -> str:
    """A glossary job name as a GIMP menu item: title case, mnemonic first, an ellipsis
    (the item opens a dialog). "Fill selection" -> "_Fill Selection…"."""
    return "_" + " ".join(w[:1].upper() + w[1:] for w in _(word).split()) + "…"


_DOCS = {
    GENERATE: (
        _menu_label(glossary.JOB_NAMES["generate"]),
        _("Paint a new layer from a prompt"),
        _("Sends the prompt to the OpenAI Images API and adds each result as a new layer "
          "over the selection's bounding box (or the whole canvas)."),
    ),
    EDIT: (
        _menu_label(glossary.JOB_NAMES["edit"]),
        _("Repaint the selection from a prompt (inpainting)"),
        _("Sends the selected area with its surroundings and a mask; each result becomes a "
          "new layer whose alpha is the selection (soft edges kept), so nothing outside "
          "changes. With no selection, the transparent pixels of the active layer are filled."),
    ),
    VARIATIONS: (
        _menu_label(glossary.JOB_NAMES["variation"]),
        _("New versions of the active layer or the visible image"),
        _("Sends the active layer (or, with Use the visible image, the visible image) and "
          "adds each variation as a new layer."),
    ),
    SETTINGS: (
        "_" + _(glossary.SETTINGS),
        _("API key, server, proxy and spending limit"),
        _("The API key is kept in the system keychain or a private file, never in GIMP's "
          "settings. Non-interactive runs return the current settings (without the key)."),
    ),
}


def _choice(pairs) -> Gimp.Choice:
    choice = Gimp.Choice.new()
    for index, (value, label) in enumerate(pairs):
        choice.add(value, index, label, "")
    return choice


def _add_argument(procedure, arg: arguments.Argument) -> None:
    if arg.kind == "string":
        procedure.add_string_argument(arg.name, arg.label, arg.help, arg.default, _RW)
    elif arg.kind == "choice":
        procedure.add_choice_argument(
            arg.name, arg.label, arg.help, _choice(arg.choices), arg.default, _RW
        )
    elif arg.kind == "int":
        procedure.add_int_argument(
            arg.name, arg.label, arg.help, arg.minimum, arg.maximum, arg.default, _RW
        )
    elif arg.kind == "boolean":
        procedure.add_boolean_argument(arg.name, arg.label, arg.help, arg.default, _RW)
    elif arg.kind == "layer":
        procedure.add_layer_argument(arg.name, arg.label, arg.help, True, _RW)
    else:
        raise ValueError(f"unknown argument kind {arg.kind}")


def _fail(procedure, status, text: str):
    return procedure.new_return_values(status, GLib.Error(text))


def _success(procedure, *returned: GObject.Value):
    """SUCCESS with our return values in place of the defaults new_return_values put there."""
    values = procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, GLib.Error())
    for index, value in enumerate(returned, start=1):
        values.remove(index)
        values.insert(index, value)
    return values


def _read_values(name: str, config, drawables) -> arguments.RunValues:
    layers = [d for d in drawables if isinstance(d, Gimp.Layer)]
    return arguments.read_values(name, config.get_property, layers)


def run_image_procedure(procedure, run_mode, image, drawables, config, data):
    name = procedure.get_name()
    interactive = run_mode == Gimp.RunMode.INTERACTIVE
    missing = _vendor.missing_dependency()
    if missing:
        if interactive:
            Gimp.message(missing)
        return _fail(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, missing)

    from . import messages, workflows  # numpy and httpx load only now

    try:
        if interactive:
            from . import dialog

            if not dialog.confirm_run(procedure, config, image):
                return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, GLib.Error())
        values = _read_values(name, config, drawables)
        outcome = workflows.run(name, image, list(drawables), values, interactive)
    except Exception as exc:  # every failure becomes one sentence, never a traceback
        if not workflows.is_expected(exc):
            log.exception("%s failed", name)
        text = messages.describe(exc)
        if interactive:
            Gimp.message(text)
        return _fail(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, text)
    if outcome.warning and interactive:
        Gimp.message(outcome.warning)
    return _success(
        procedure,
        GObject.Value(GObject.TYPE_INT, len(outcome.layers)),
        GObject.Value(GObject.TYPE_STRING, json.dumps(outcome.report)),
    )


def run_settings(procedure, run_mode, image, drawables, config, data):
    missing = _vendor.missing_dependency()
    if missing:
        return _fail(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, missing)
    from . import settings_dialog

    try:
        if run_mode == Gimp.RunMode.INTERACTIVE and not settings_dialog.edit_settings():
            return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, GLib.Error())
        report = settings_dialog.current_settings()
    except Exception as exc:
        from . import messages

        return _fail(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, messages.describe(exc))
    return _success(procedure, GObject.Value(GObject.TYPE_STRING, json.dumps(report)))


def _create_image_procedure(plugin, name: str):
    procedure = Gimp.ImageProcedure.new(
        plugin, name, Gimp.PDBProcType.PLUGIN, run_image_procedure, None
    )
    procedure.set_image_types("*")
    mask = Gimp.ProcedureSensitivityMask
    if name == GENERATE:  # a new layer needs no drawable
        procedure.set_sensitivity_mask(mask.DRAWABLE | mask.DRAWABLES | mask.NO_DRAWABLES)
    else:  # edit: further selected layers are reference images
        procedure.set_sensitivity_mask(mask.DRAWABLE | mask.DRAWABLES)
    for arg in arguments.procedure_arguments(name):
        _add_argument(procedure, arg)
    procedure.add_int_return_value(
        "layer-count", "Layers added", "How many result layers were added", 0, 100, 0, _RW
    )
    procedure.add_string_return_value(
        "report", "Report", "JSON: the new layers, history entries and cost", "", _RW
    )
    return procedure


class OpenAIImagesPlugIn(Gimp.PlugIn):
    def do_query_procedures(self):
        return [GENERATE, EDIT, VARIATIONS, SETTINGS]

    def do_set_i18n(self, name):
        # GIMP translates our menu labels and help in our own domain, as for its own
        # Python plug-ins, once the bundle ships catalogues (gimp_plugin/i18n.py)
        if i18n.has_catalogues():
            return True, i18n.DOMAIN, i18n.LOCALE_DIR
        return False

    def do_create_procedure(self, name):
        if name == SETTINGS:
            # An ImageProcedure too, so it sits in the image menu like the others; it
            # ignores the image and is available even when no image is open.
            procedure = Gimp.ImageProcedure.new(
                self, name, Gimp.PDBProcType.PLUGIN, run_settings, None
            )
            procedure.set_image_types("*")
            procedure.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.ALWAYS)
            procedure.add_string_return_value(
                "settings", "Settings", "JSON, without the key", "", _RW
            )
        else:
            procedure = _create_image_procedure(self, name)
        label, blurb, help_text = _DOCS[name]
        procedure.set_menu_label(label)
        procedure.add_menu_path(MENU_PATH)
        procedure.set_documentation(blurb, help_text, name)
        procedure.set_attribution(
            "OpenAI Images contributors", "OpenAI Images contributors", "2026"
        )
        return procedure
