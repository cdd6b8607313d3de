"""The candidate picker's model (openai_images.picker) in real GIMP, batch mode, no display.

Three candidates of known colours over a "painted" layer. One picker session:
preview A, preview B (one preview at a time, a temporary layer on top, undo frozen
meanwhile), Keep B (a layer above the painted one, the preview gone), preview C
(above B), Keep all (A and C, above B, only the first visible), close (undo
thawed). A second session, on a fresh image, previews A and closes: the image is as before it and
the layer selection is the artist's again. Facts per step, so one failure does
not hide the others.
"""

import os
import sys
import traceback

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

sys.path.insert(0, os.path.join(Gimp.directory(), "plug-ins", "openai-images"))
from openai_images import _vendor  # noqa: E402

_vendor.activate()
# The batch interpreter's process has not initialised GEGL/babl for buffers it makes
# itself (canvas.py writes through a scratch Gegl.Buffer); a plug-in process has.
Gegl.init(None)
from harness_numpy import load  # noqa: E402 (tests/hosts/inhost)

np = load()
from openai_images.core.pixels.geometry import Bounds  # noqa: E402
from openai_images.core.pixels.imaging import Image  # noqa: E402
from openai_images.core.pixels.planning import LayerPatch  # noqa: E402
from openai_images.picker import PREVIEW_PREFIX, CandidatePicker  # noqa: E402

W, H = 96, 64
BOX = Bounds(8, 6, 40, 30)
COLOURS = {"cand A": (220, 30, 30), "cand B": (30, 200, 40), "cand C": (40, 60, 230)}


def make_image():
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    for name in ("Background", "painted"):
        layer = Gimp.Layer.new(image, name, W, H, Gimp.ImageType.RGBA_IMAGE, 100.0,
                               Gimp.LayerMode.NORMAL)
        image.insert_layer(layer, None, 0)
        layer.get_buffer().set(Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8",
                               bytes([250, 250, 250, 255]) * (W * H))
    return image, image.get_layers()[0]


def patches():
    out = []
    for name, rgb in COLOURS.items():
        pixels = np.zeros((BOX.height, BOX.width, 4), np.uint8)
        pixels[..., :3], pixels[..., 3] = rgb, 255
        image = Image.from_rgba_bytes(pixels.tobytes(), BOX.width, BOX.height)  # either engine
        out.append(LayerPatch(image, BOX, name))
    return out


def colour_of(layer):
    data = layer.get_buffer().get(Gegl.Rectangle.new(5, 5, 1, 1), 1.0, "R'G'B'A u8",
                                  Gegl.AbyssPolicy.NONE)
    return list(bytes(data))


def stack(image):
    return [{"name": layer.get_name(), "visible": layer.get_visible()}
            for layer in image.get_layers()]


def session(image, anchor):
    picker = CandidatePicker(image, anchor, patches())
    facts = {"undo_before": image.undo_is_enabled()}
    picker.open()
    facts["undo_while_open"] = image.undo_is_enabled()
    picker.preview(0)
    facts["preview_a"] = stack(image)
    picker.preview(1)
    facts["preview_b"] = stack(image)
    facts["preview_b_colour"] = colour_of(picker.preview_layer)
    facts["keep_b"] = [layer.get_name() for layer in picker.keep(1)]
    facts["after_keep_b"] = stack(image)
    facts["keep_b_again"] = len(picker.keep(1))
    facts["undo_after_keep"] = image.undo_is_enabled()  # frozen again for the next preview
    picker.preview(2)
    facts["preview_c"] = stack(image)
    facts["keep_all"] = [layer.get_name() for layer in picker.keep_all()]
    facts["after_keep_all"] = stack(image)
    facts["kept"] = list(picker.kept)
    facts["colours"] = {layer.get_name(): colour_of(layer) for layer in picker.layers}
    picker.close()
    picker.close()  # twice: harmless
    facts["undo_after_close"] = image.undo_is_enabled()
    facts["after_close"] = stack(image)
    return facts


def discard_session(image, anchor):
    before = stack(image)
    image.set_selected_layers([anchor])
    picker = CandidatePicker(image, anchor, patches())
    picker.open()
    picker.preview(0)
    during = stack(image)
    picker.close()
    return {"before": before, "during": during, "after": stack(image),
            "selected": [layer.get_name() for layer in image.get_selected_layers()],
            "undo_after_close": image.undo_is_enabled()}


def german():
    """The installed bundle's catalogue, as GIMP started in German reads it: the argument
    labels a dialog shows and the wait window's line."""
    import importlib

    from openai_images import arguments, dialog_layout, i18n
    from openai_images.core import glossary

    os.environ["LANGUAGE"] = "de"
    i18n.reset()
    try:
        german_arguments = importlib.reload(arguments)  # labels are made at import
        labels = {a.name: a.label for a in german_arguments.procedure_arguments(
            german_arguments.EDIT)}
        return {"has_catalogues": i18n.has_catalogues(), "labels": labels,
                "size_auto": dialog_layout.size_items("gpt-image-2")[0][1],
                "line": glossary.progress_line("rendering", candidate=1, count=3, _=i18n._)}
    finally:
        os.environ.pop("LANGUAGE", None)
        i18n.reset()
        importlib.reload(arguments)


def run(out):
    facts = {"preview_prefix": PREVIEW_PREFIX}
    try:
        facts["german"] = german()
    except Exception:
        facts["german"] = {"error": traceback.format_exc()}
    for name, step in (("session", session), ("discard", discard_session)):
        image, anchor = make_image()
        try:
            facts[name] = step(image, anchor)
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
        image.delete()
    return facts
