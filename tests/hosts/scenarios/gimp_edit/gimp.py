"""GIMP edit (inpainting) with a feathered selection, on 8-bit, 16-bit linear and indexed images.

Each case paints a pattern on an offset layer, selects a feathered ellipse,
exports the image, runs plug-in-openai-images-edit non-interactively (count 2),
and exports again. The facts carry the layers before and after, and, compared
here at the image's own precision ("RGBA float" reads of the composite), how
many pixels outside the selection changed. The PNGs and the selection's
coverage (sel-<case>.bin, "Y u8") let check.py compare again from outside.
"""

import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402
from gimp_calls import call, layers  # noqa: E402 (tests/hosts/inhost)
from standin_control import images_requests  # noqa: E402 (tests/hosts/inhost)

W, H = 160, 120
CASES = ("rgb8", "rgb16linear", "indexed")


def pattern(w, h):
    return bytes(
        v
        for y in range(h)
        for x in range(w)
        for v in ((x * 3) & 255, (y * 5) & 255, (x ^ y) & 255, 255)
    )


def make_image(case):
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    background = Gimp.Layer.new(
        image, "Background", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(background, None, 0)
    background.get_buffer().set(
        Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", bytes([200, 180, 40, 255]) * (W * H)
    )
    # the active layer is smaller than the canvas and offset from it
    paint = Gimp.Layer.new(
        image, "paint", 150, 100, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(paint, None, 0)
    paint.set_offsets(-20, 10)
    paint.get_buffer().set(Gegl.Rectangle.new(0, 0, 150, 100), "R'G'B'A u8", pattern(150, 100))
    if case == "rgb16linear":
        image.convert_precision(Gimp.Precision.U16_LINEAR)
    elif case == "indexed":
        image.convert_indexed(
            Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE, 64, False, False, ""
        )
    return image


def composite(image, fmt="RGBA float"):
    dup = image.duplicate()
    if dup.get_base_type() != Gimp.ImageBaseType.RGB:
        # merging inside an indexed image re-quantises the stack; convert (an exact
        # palette lookup per layer) first so the composite is what GIMP displays
        dup.convert_rgb()
    merged = dup.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
    data = merged.get_buffer().get(Gegl.Rectangle.new(0, 0, W, H), 1.0, fmt, Gegl.AbyssPolicy.NONE)
    dup.delete()
    return data


def export(image, path):
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(path), None)


def run_case(case, out):
    image = make_image(case)
    paint = image.get_layers()[0]
    image.select_ellipse(Gimp.ChannelOps.REPLACE, 40, 30, 70, 50)
    Gimp.Selection.feather(image, 12.0)
    coverage = (
        image.get_selection()
        .get_buffer()
        .get(Gegl.Rectangle.new(0, 0, W, H), 1.0, "Y u8", Gegl.AbyssPolicy.NONE)
    )
    with open(os.path.join(out, f"sel-{case}.bin"), "wb") as f:
        f.write(coverage)
    export(image, os.path.join(out, f"before-{case}.png"))
    before = composite(image)
    paint_before = paint.get_buffer().get(
        Gegl.Rectangle.new(0, 0, 150, 100), 1.0, "RGBA float", Gegl.AbyssPolicy.NONE
    )
    layers_before = layers(image)
    called = call("plug-in-openai-images-edit", image, [paint], prompt="a red balloon", count=2)
    after = composite(image)
    export(image, os.path.join(out, f"after-{case}.png"))
    outside_changed = inside_changed = soft = 0
    for i, c in enumerate(coverage):
        same = before[i * 16 : (i + 1) * 16] == after[i * 16 : (i + 1) * 16]
        if c == 0:
            outside_changed += not same
        else:
            inside_changed += not same
            soft += 0 < c < 255
    paint_after = paint.get_buffer().get(
        Gegl.Rectangle.new(0, 0, 150, 100), 1.0, "RGBA float", Gegl.AbyssPolicy.NONE
    )
    facts = {
        "call": called,
        "layers_before": layers_before,
        "layers_after": layers(image),
        "outside_changed": outside_changed,
        "inside_changed": inside_changed,
        "soft_pixels": soft,
        "source_untouched": paint_before == paint_after,
        "selected_layer": [layer.get_name() for layer in image.get_selected_layers()],
    }
    image.delete()
    return facts


def run_removal():
    """Fill selection with no prompt: a removal (issue 19), through the same procedure."""
    image = make_image(CASES[0])
    paint = image.get_layers()[0]
    image.select_ellipse(Gimp.ChannelOps.REPLACE, 40, 30, 70, 50)
    seen = len(images_requests())
    called = call("plug-in-openai-images-edit", image, [paint], prompt="", count=1)
    facts = {"call": called, "layers": [n["name"] for n in layers(image)],
             "requests": images_requests()[seen:]}
    image.delete()
    return facts


def run(out):
    return {"gimp": Gimp.version(), "cases": {case: run_case(case, out) for case in CASES},
            "removal": run_removal()}
