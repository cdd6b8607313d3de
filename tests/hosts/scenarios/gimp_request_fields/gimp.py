"""What the stand-in receives for the same choices from the GIMP procedures.

The choices are krita_request_fields/same_choices.py's (model, quality, size,
count, background, context padding), passed to plug-in-openai-images-generate /
-edit / -variations called non-interactively, each on a fresh 320x240 image
with one opaque layer (the edit with a hard rectangular selection). Each call
is recorded with the stand-in's own log of what it received (GET
/_standin/requests: fields, file parts):

- chosen: the three procedures with every choice they take, stream-previews
  off (variations take no background or streaming argument). No settings file:
  the procedures have no output-format argument, so the saved default (png,
  not sent) applies.
- stream_unchosen: generate with stream-previews not passed (its default).
- saved: settings.json with grow_px and output_format webp: generate and edit
  must send webp.
- cap: settings.json with spend_cap_job_usd 0.0001: generate fails with the
  cap's message and nothing reaches the stand-in.
The settings file is removed again after each case.
"""

import os
import sys
import traceback

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402
from gimp_calls import call, layers  # noqa: E402 (tests/hosts/inhost)
from standin_control import images_requests, standin  # noqa: E402 (tests/hosts/inhost)

# the choices shared with Krita's scenario (harness/scenarios/krita_request_fields)
sys.path.insert(
    0,
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "krita_request_fields"),
)
import same_choices as same  # noqa: E402

GENERATE = "plug-in-openai-images-generate"
EDIT = "plug-in-openai-images-edit"
VARIATIONS = "plug-in-openai-images-variations"
PROCEDURES = {"generate": GENERATE, "edit": EDIT, "variation": VARIATIONS}
PIXELS = same.pattern_rgba()


def make_image(select):
    image = Gimp.Image.new(same.W, same.H, Gimp.ImageBaseType.RGB)
    paint = Gimp.Layer.new(
        image, "paint", same.W, same.H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(paint, None, 0)
    paint.get_buffer().set(Gegl.Rectangle.new(0, 0, same.W, same.H), "R'G'B'A u8", PIXELS)
    if select:
        image.select_rectangle(Gimp.ChannelOps.REPLACE, *same.SELECTION)
    ok, non_empty, x1, y1, x2, y2 = Gimp.Selection.bounds(image)
    selection = [x1, y1, x2 - x1, y2 - y1] if non_empty else None
    return image, paint, selection


def values_for(kind, stream=False):
    """The procedure's arguments for the same choices (None: leave stream-previews out)."""
    values = {"model": same.MODEL, "size": same.SIZE, "quality": same.QUALITY, "count": same.N}
    if kind != "variation":
        values.update(prompt=same.PROMPT, background=same.BACKGROUND)
        if stream is not None:
            values["stream-previews"] = stream
    if kind == "edit":
        values["context-padding"] = same.PADDING
    return values


def one_call(kind, stream=False):
    image, paint, selection = make_image(select=kind == "edit")
    values = values_for(kind, stream)
    seen, seen_all = len(images_requests()), len(standin("requests"))
    facts = {"selection": selection, "values": values}
    facts["call"] = call(PROCEDURES[kind], image, [paint], **values)
    facts["layers"] = layers(image)
    facts["requests"] = images_requests()[seen:]
    facts["any_request"] = standin("requests")[seen_all:]
    image.delete()
    return facts


def guarded(facts, name, step):
    try:
        facts[name] = step()
    except Exception:
        facts[name] = {"crashed": traceback.format_exc()}


def run(out):
    facts = {
        "gimp": Gimp.version(),
        "settings_path": same.settings_path(),
        "settings_at_start": os.path.exists(same.settings_path()),
        "plugin_reads_webp": plugin_reads_webp(),
    }

    chosen = {}
    for kind in ("generate", "edit", "variation"):
        guarded(chosen, kind, lambda kind=kind: one_call(kind))
    facts["chosen"] = chosen

    unchosen = {}
    guarded(unchosen, "generate", lambda: one_call("generate", stream=None))
    facts["stream_unchosen"] = unchosen

    saved = {}  # (a plug-in that cannot read WebP answers must refuse before sending)
    with same.SavedSettings(same.SAVED) as file:
        for kind in ("generate", "edit"):
            guarded(saved, kind, lambda kind=kind: one_call(kind))
    saved["settings_restored"] = file.restored()
    facts["saved"] = saved

    cap = {}
    capped = {**same.SAVED, "spend_cap_job_usd": same.CAP}
    if not facts["plugin_reads_webp"]:  # else refused for its WebP before the cap is asked
        capped.pop("output_format", None)
    with same.SavedSettings(capped) as file:
        guarded(cap, "generate", lambda: one_call("generate"))
    cap["settings_restored"] = file.restored()
    facts["cap"] = cap
    return facts


def plugin_reads_webp() -> bool:
    """Whether the installed plug-in can read WebP answers: always with numpy and Pillow
    (the Linux bundle); with the Windows bundle's lean engine, only where GdkPixbuf has
    a WebP loader (the GIMP 3.2 root folder has one, 3.0's has not)."""
    if os.environ.get("HARNESS_BUNDLE", "linux-x86_64") == "linux-x86_64":
        return True
    gi.require_version("GdkPixbuf", "2.0")
    from gi.repository import GdkPixbuf

    return "webp" in {f.get_name() for f in GdkPixbuf.Pixbuf.get_formats()}
