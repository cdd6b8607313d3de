"""The interactive parts of a run: the GimpUi.ProcedureDialog with a live cost estimate,
and the small window that waits for the job with a Cancel button and streamed previews.

The dialog is laid out by dialog_layout.py: a multi-line prompt, size presets
for the chosen model beside the size entry ("Custom…" keeps what was typed),
the rarely changed options folded under "Advanced options", and the options
the chosen model takes no value of hidden. Within a shown choice, the values
the model does not take are greyed out (Gimp.Choice.set_sensitive, as GIMP's
own file plug-ins do); the line under the arguments names a mismatch instead of
the cost, and OK keeps the dialog open until the choices fit. GIMP remembers
the values of the last run, as for its own filters. A notice about the saved
settings (a shut-down model moved to its replacement) is shown at the top, once.

Only interactive runs import this module (it needs a display); scripts and the
host tests never do. Everything here runs on the plug-in's main thread.
"""

from __future__ import annotations

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("GimpUi", "3.0")
gi.require_version("Gtk", "3.0")
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gimp, GimpUi, GLib, GObject, Gtk  # noqa: E402

from . import arguments, dialog_layout  # noqa: E402
from .core import glossary  # noqa: E402
from .core.store.settings import Settings  # noqa: E402
from .i18n import _  # noqa: E402
from .messages import TITLE  # noqa: E402

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
        return _("Estimated cost: unavailable ({reason})").format(reason=exc)
    return describe(est) + ". " + _("Figures are estimates.")


def _follow_model(dialog, config, name: str, reset: bool) -> None:
    """Hide the options the chosen model takes no value of, and grey out the values it
    does not take. On a change of the Model choice (`reset`), a value it does not take
    goes back to "send nothing", as in the Krita panel; while a custom id is typed,
    values stay and the line names a mismatch. A hidden option always sends nothing."""
    present = {a.name for a in arguments.procedure_arguments(name)}
    model = arguments.read_values(name, config.get_property).model
    hidden = dialog_layout.hidden_fields(model, present)
    for arg_name, takes in arguments.model_takes(model).items():
        if arg_name in present:
            choice = Gimp.param_spec_choice_get_choice(config.find_property(arg_name))
            for nick in choice.list_nicks():
                choice.set_sensitive(nick, nick in takes)
    moves = arguments.untaken_choices(model, config.get_property, present)
    for arg_name, value in moves.items():
        if reset or arg_name in hidden:
            config.set_property(arg_name, value)
    if arguments.MARKUP.name in hidden and config.get_property(arguments.MARKUP.name):
        config.set_property(arguments.MARKUP.name, None)
    if arguments.STREAM.name in hidden and config.get_property(arguments.STREAM.name):
        config.set_property(arguments.STREAM.name, False)
    # only the options that can be hidden are looked up: each widget exists since _layout
    for arg_name in dialog_layout.MODEL_DEPENDENT & present:
        widget = dialog.get_widget(arg_name, GObject.TYPE_NONE)
        if widget is not None:
            widget.set_visible(arg_name not in hidden)


def _layout(dialog, name: str):
    """Fill the dialog: a labelled multi-line prompt, the usual fields, the rest under an
    expander. Returns the box that holds the size entry (the presets go beside it)."""
    main, advanced = dialog_layout.split_fields(name)
    size_box = None
    if arguments.PROMPT.name in main:
        # GIMP's text view for a string argument comes without its label: add one
        prompt = dialog.get_widget(arguments.PROMPT.name, Gtk.TextView.__gtype__)
        if isinstance(prompt, Gtk.TextView):
            prompt.set_wrap_mode(Gtk.WrapMode.WORD_CHAR)
            prompt.set_size_request(360, 72)
        label = dialog.get_label("prompt-label", arguments.PROMPT.label, False, True)
        label.set_xalign(0.0)
        dialog.fill_box("prompt-box", ["prompt-label", arguments.PROMPT.name])
        main[main.index(arguments.PROMPT.name)] = "prompt-box"
    if arguments.SIZE.name in main:
        size_box = dialog.fill_box("size-box", [arguments.SIZE.name])
        size_box.set_orientation(Gtk.Orientation.HORIZONTAL)
        size_box.set_spacing(6)
        main[main.index(arguments.SIZE.name)] = "size-box"
    if advanced:
        dialog.get_label("advanced-title", _(glossary.ADVANCED), False, False)
        dialog.fill_box("advanced-box", advanced)
        dialog.fill_expander("advanced", "advanced-title", False, "advanced-box")
        main.append("advanced")
    dialog.fill(main)
    return size_box


def _size_presets(size_box, config, name: str):
    """A preset box beside the size entry, following the model; None without a size field."""
    if size_box is None:
        return None
    box = Gtk.ComboBoxText()
    box.set_tooltip_text(_("Sizes this model takes; Custom… keeps what you type"))
    size_box.pack_start(box, False, False, 0)
    state = {"items": [], "busy": False}

    def refill() -> None:
        model = arguments.read_values(name, config.get_property).model
        state["busy"] = True
        box.remove_all()
        state["items"] = dialog_layout.size_items(model)
        for value, label in state["items"]:
            box.append(value, label)
        box.set_active(dialog_layout.preset_index(state["items"], config.get_property("size")))
        state["busy"] = False

    def chosen(_box) -> None:
        index = box.get_active()
        if state["busy"] or index < 0:
            return
        value = state["items"][index][0]
        if value != dialog_layout.CUSTOM:
            config.set_property(arguments.SIZE.name, value)

    def typed(*_args) -> None:
        if not state["busy"]:
            state["busy"] = True
            box.set_active(dialog_layout.preset_index(state["items"], config.get_property("size")))
            state["busy"] = False

    box.connect("changed", chosen)
    config.connect("notify::size", typed)
    config.connect("notify::model", lambda *_: refill())
    config.connect("notify::custom-model", lambda *_: refill())
    refill()
    box.show()
    return box


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
    _size_presets(_layout(dialog, name), config, name)

    # The saved settings are migrated on this load and written back: the notice comes once.
    _settings, notice = Settings.load_with_notice()
    if notice:
        top = Gtk.Label(label=_("Saved settings: {notice}.").format(notice=notice), xalign=0.0)
        top.set_line_wrap(True)
        dialog.get_content_area().pack_start(top, False, False, 6)
        dialog.get_content_area().reorder_child(top, 0)
        top.show()

    get = config.get_property
    label = Gtk.Label(label=cost_text(name, get, image), xalign=0.0)
    label.set_line_wrap(True)
    dialog.get_content_area().pack_end(label, False, False, 6)
    label.show()
    _follow_model(dialog, config, name, reset=False)
    config.connect("notify::model", lambda *_: _follow_model(dialog, config, name, reset=True))
    config.connect(
        "notify::custom-model", lambda *_: _follow_model(dialog, config, name, reset=False))
    config.connect("notify", lambda *_: label.set_text(cost_text(name, get, image)))
    try:
        while dialog.run():  # OK: go only when the model takes every choice
            if arguments.combination_problem(arguments.read_values(name, get)) is None:
                return True
            label.set_text(cost_text(name, get, image))
        return False
    finally:
        dialog.destroy()


def pixbuf_of(patch, size: int = PREVIEW_SIZE) -> GdkPixbuf.Pixbuf:
    """A patch's pixels as a Pixbuf scaled down to fit `size` (never up)."""
    # bytes, not .pixels: the lean pixel engine (GIMP on Windows) has no numpy
    width, height = patch.image.width, patch.image.height
    data = GLib.Bytes.new(patch.image.to_rgba_bytes())
    pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(
        data, GdkPixbuf.Colorspace.RGB, True, 8, width, height, width * 4
    )
    scale = size / max(width, height)
    if scale < 1:
        pixbuf = pixbuf.scale_simple(
            max(1, round(width * scale)),
            max(1, round(height * scale)),
            GdkPixbuf.InterpType.BILINEAR,
        )
    return pixbuf


def wait_with_cancel(job, count: int) -> None:
    """A modal window until the job ends or the artist presses Cancel (then the job is
    cancelled; the caller still waits for it to wind down). It names the stage, the
    candidate k of n and the time so far (the glossary's line, as in Krita's bar), and
    fills its bar where the stage has a measure, else pulses."""
    import time

    window = Gtk.Dialog(title=TITLE, modal=True)
    window.add_button(_("_Cancel"), Gtk.ResponseType.CANCEL)
    box = window.get_content_area()
    started = time.monotonic()
    partials = job.options.partial_images if job.options.stream else 0
    status = Gtk.Label(label=_(glossary.STAGES["queued"]), xalign=0.0)  # set_text: plain
    status.set_width_chars(44)
    bar = Gtk.ProgressBar()
    preview = Gtk.Image()
    for widget in (status, bar, preview):
        box.pack_start(widget, False, False, 6)
    window.show_all()
    last = {"event": None}

    def tick() -> bool:
        for event in job.poll_events():
            if event.stage in glossary.STAGES:
                last["event"] = event
            if event.preview is not None:
                preview.set_from_pixbuf(pixbuf_of(event.preview))
        event = last["event"]
        if event is not None:
            elapsed = time.monotonic() - started
            status.set_text(glossary.event_line(event, count, partials, elapsed, _))
            fraction = glossary.event_fraction(event, partials)
            if fraction is None:
                bar.pulse()
            else:
                bar.set_fraction(fraction)
        else:
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
