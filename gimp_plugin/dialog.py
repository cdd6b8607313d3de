"""The interactive parts of a run: the GimpUi.ProcedureDialog with a live cost estimate,
and the small window that waits for the job with a Cancel button and streamed previews.

The dialog follows the chosen model: the quality, complexity, fidelity and
background values it does not take are greyed out (Gimp.Choice.set_sensitive,
as GIMP's own file plug-ins do), the line under the arguments names a mismatch
instead of the cost, and OK keeps the dialog open until the choices fit. A
notice about the saved settings (a shut-down model moved to its replacement)
is shown at the top, once.

Only interactive runs import this module (it needs a display); scripts and the
host tests never do. Everything here runs on the plug-in's main thread.
"""

from __future__ import annotations

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("GimpUi", "3.0")
gi.require_version("Gtk", "3.0")
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gimp, GimpUi, GLib, Gtk  # noqa: E402

from . import arguments  # noqa: E402
from .core.store.settings import Settings  # noqa: E402
from .messages import TITLE, stage_text  # noqa: E402

_UI_NAME = "openai-images"
PREVIEW_SIZE = 256


def cost_text(procedure_name: str, get, image=None) -> str:
    """The line under the arguments: what does not suit the model, else the core's
    estimate for the current values on `image` (`get(argument)` reads the config)."""
    from . import snapshots, workflows
    from .core.jobs.quote import describe

    values = arguments.read_values(procedure_name, get)
    problem = arguments.combination_problem(values)
    if problem:
        return problem
    try:
        box = snapshots.canvas_bounds(image.get_width(), image.get_height())
        selection = snapshots.selection_bounds(Gimp.Selection.bounds(image))
        est = workflows.quote(procedure_name, values, box, selection)
    except Exception as exc:  # an unparseable size while typing: say so, do not crash
        return f"Estimated cost: unavailable ({exc})"
    return describe(est) + ". Figures are estimates."


def _follow_model(config, name: str, reset: bool) -> None:
    """Grey out the values the chosen model does not take. On a change of the Model
    choice (`reset`), a value it does not take goes back to "send nothing", as in the
    Krita panel; while a custom id is typed, values stay and the line names a mismatch."""
    present = {a.name for a in arguments.procedure_arguments(name)}
    model = arguments.read_values(name, config.get_property).model
    for arg_name, takes in arguments.model_takes(model).items():
        if arg_name in present:
            choice = Gimp.param_spec_choice_get_choice(config.find_property(arg_name))
            for nick in choice.list_nicks():
                choice.set_sensitive(nick, nick in takes)
    if reset:
        for arg_name, value in arguments.untaken_choices(
            model, config.get_property, present
        ).items():
            config.set_property(arg_name, value)


def confirm_run(procedure, config, image) -> bool:
    """Show the procedure's dialog; True when the artist pressed OK with choices that fit."""
    GimpUi.init(_UI_NAME)
    name = procedure.get_name()
    for arg in arguments.procedure_arguments(name):
        # GIMP hands back an empty remembered string as None, and a Gtk entry given
        # None complains (Gtk-CRITICAL); give it the empty string it stands for.
        if arg.kind == "string" and config.get_property(arg.name) is None:
            config.set_property(arg.name, "")
    dialog = GimpUi.ProcedureDialog.new(procedure, config, f"{TITLE}: {procedure.get_menu_label()}")
    dialog.fill(arguments.dialog_fields(name))

    # The saved settings are migrated on this load and written back: the notice comes once.
    _settings, notice = Settings.load_with_notice()
    if notice:
        top = Gtk.Label(label=f"Saved settings: {notice}.", xalign=0.0)
        top.set_line_wrap(True)
        dialog.get_content_area().pack_start(top, False, False, 6)
        dialog.get_content_area().reorder_child(top, 0)
        top.show()

    get = config.get_property
    label = Gtk.Label(label=cost_text(name, get, image), xalign=0.0)
    label.set_line_wrap(True)
    dialog.get_content_area().pack_end(label, False, False, 6)
    label.show()
    _follow_model(config, name, reset=False)
    config.connect("notify::model", lambda *_: _follow_model(config, name, reset=True))
    config.connect("notify::custom-model", lambda *_: _follow_model(config, name, reset=False))
    config.connect("notify", lambda *_: label.set_text(cost_text(name, get, image)))
    try:
        while dialog.run():  # OK: go only when the model takes every choice
            if arguments.combination_problem(arguments.read_values(name, get)) is None:
                return True
            label.set_text(cost_text(name, get, image))
        return False
    finally:
        dialog.destroy()


def _pixbuf(patch) -> GdkPixbuf.Pixbuf:
    # bytes, not .pixels: the lean pixel engine (GIMP on Windows) has no numpy
    width, height = patch.image.width, patch.image.height
    data = GLib.Bytes.new(patch.image.to_rgba_bytes())
    pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(
        data, GdkPixbuf.Colorspace.RGB, True, 8, width, height, width * 4
    )
    scale = PREVIEW_SIZE / max(width, height)
    if scale < 1:
        pixbuf = pixbuf.scale_simple(
            max(1, round(width * scale)),
            max(1, round(height * scale)),
            GdkPixbuf.InterpType.BILINEAR,
        )
    return pixbuf


def wait_with_cancel(job, count: int) -> None:
    """A modal window until the job ends or the artist presses Cancel (then the job is
    cancelled; the caller still waits for it to wind down)."""
    window = Gtk.Dialog(title=TITLE, modal=True)
    window.add_button("_Cancel", Gtk.ResponseType.CANCEL)
    box = window.get_content_area()
    status = Gtk.Label(label=stage_text("queued"), xalign=0.0)
    bar = Gtk.ProgressBar()
    preview = Gtk.Image()
    for widget in (status, bar, preview):
        box.pack_start(widget, False, False, 6)
    window.show_all()

    def tick() -> bool:
        for event in job.poll_events():
            status.set_text(stage_text(event.stage, event.candidate, count))
            if event.preview is not None:
                preview.set_from_pixbuf(_pixbuf(event.preview))
        bar.pulse()
        if job.done:
            window.response(Gtk.ResponseType.OK)
            return False
        return True

    GLib.timeout_add(100, tick)
    response = window.run()
    if response != Gtk.ResponseType.OK and not job.done:
        job.cancel()
    window.destroy()
