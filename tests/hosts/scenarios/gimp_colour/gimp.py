"""Colour-managed images in real GIMP (issue 15): a precision x profile matrix.

The stand-in answers with known colour blocks (POST /_standin/picture) and logs
the colour of each cell of every upload. For each case a 256x256 image is painted
in 8-bit sRGB with the blocks in reverse order, then converted by GIMP itself
(convert_precision, convert_color_profile, convert_grayscale) into the case.
Then, non-interactively through our procedures:

- generate over the whole canvas: the new layer, read back by GEGL as 8-bit sRGB,
  shows the API's blocks at every cell centre;
- edit the four middle cells with the whole image as context: inside, the new
  layer shows the API's blocks; outside it is fully transparent and the merged
  image is exactly what GIMP composites with an empty layer in its place (read as
  float: in 16-bit images of a non-sRGB gamma profile GIMP's composite of any
  added layer moves pixels by a unit or so, `empty_layer_shift`); the source
  layer is unchanged; the upload's cells are the layer's colours.

The reference is GIMP's own round trip of the sRGB blocks through the case (an
8-bit linear image cannot hold every sRGB level), read the same way.
"""

import os
import sys
import traceback

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402
from gimp_calls import call  # noqa: E402 (tests/hosts/inhost)
from standin_control import images_requests, standin  # noqa: E402 (tests/hosts/inhost)

sys.path.insert(0, os.path.join(Gimp.directory(), "plug-ins", "openai-images"))
from openai_images import _vendor  # noqa: E402

_vendor.activate()
from harness_numpy import load  # noqa: E402 (tests/hosts/inhost)

np = load()

SIDE = 256
SELECTION = (64, 64, 128, 128)  # the four middle cells of the 4x4 grid
SRGB_U8 = "R'G'B'A u8"
FLOAT = "R'G'B'A float"
# Profiles GIMP does not build in come from the ICC files Debian installs with Krita
# (the same root folder); a case whose file is absent is reported as missing.
ICC_DIRS = ("/usr/share/color/icc/krita", "/usr/share/color/icc")
P = Gimp.Precision
CASES = (
    ("srgb-u8", P.U8_NON_LINEAR, "srgb", None),
    ("linear-u8", P.U8_LINEAR, "srgb", None),
    ("srgb-u16", P.U16_NON_LINEAR, "srgb", None),
    ("linear-u16", P.U16_LINEAR, "srgb", None),
    ("linear-float", P.FLOAT_LINEAR, "srgb", None),
    ("clayrgb-u8", P.U8_NON_LINEAR, "ClayRGB-elle-V2-g22.icc", None),
    ("clayrgb-u16", P.U16_NON_LINEAR, "ClayRGB-elle-V2-g22.icc", None),
    ("adobe-u16", P.U16_NON_LINEAR, "adobe", None),
    ("clayrgb-float", P.FLOAT_NON_LINEAR, "ClayRGB-elle-V2-g22.icc", None),
    ("rec2020-u16", P.U16_NON_LINEAR, "Rec2020-elle-V4-g10.icc", None),
    ("linear-srgb-profile-u16", P.U16_LINEAR, "linear", None),
    ("grey-u8", P.U8_NON_LINEAR, "srgb", "grey"),
    ("grey-u16", P.U16_NON_LINEAR, "srgb", "grey"),
    ("indexed", P.U8_NON_LINEAR, "srgb", "indexed"),
)


def _rect(x, y, w, h):
    return Gegl.Rectangle.new(x, y, w, h)


def blocks(palette, grid, order):
    cell = SIDE // grid
    rgba = np.full((SIDE, SIDE, 4), 255, np.uint8)
    for k, index in enumerate(order):
        row, col = divmod(k, grid)
        rgba[row * cell:(row + 1) * cell, col * cell:(col + 1) * cell, :3] = palette[index]
    return rgba


def profile(kind):
    if kind == "srgb":
        return None
    if kind == "adobe":
        return Gimp.ColorProfile.new_rgb_adobe()
    if kind == "linear":
        return Gimp.ColorProfile.new_rgb_srgb_linear()
    for folder in ICC_DIRS:
        path = os.path.join(folder, kind)
        if os.path.isfile(path):
            return Gimp.ColorProfile.new_from_file(Gio.File.new_for_path(path))
    raise FileNotFoundError(kind)


def make_image(pixels, precision, icc, mode):
    image = Gimp.Image.new(SIDE, SIDE, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, "painted", SIDE, SIDE, Gimp.ImageType.RGBA_IMAGE, 100.0,
                           Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.get_buffer().set(_rect(0, 0, SIDE, SIDE), SRGB_U8, pixels.tobytes())
    layer.get_buffer().flush()
    if icc is not None:
        image.convert_color_profile(icc, Gimp.ColorRenderingIntent.RELATIVE_COLORIMETRIC, True)
    if precision != P.U8_NON_LINEAR:
        image.convert_precision(precision)
    if mode == "grey":
        image.convert_grayscale()
    elif mode == "indexed":  # a palette made from the image: the 16 block colours exactly
        image.convert_indexed(Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE,
                              256, False, False, "")
    return image, image.get_layers()[0]


def read(drawable, fmt=SRGB_U8):
    """The canvas area of `drawable` (a layer may be smaller and offset: an edit's is
    cut to its visible pixels); outside the layer reads as transparent."""
    ok, ox, oy = drawable.get_offsets()
    rect = _rect(-ox, -oy, SIDE, SIDE)
    data = drawable.get_buffer().get(rect, 1.0, fmt, Gegl.AbyssPolicy.NONE)
    dtype = np.uint8 if fmt.endswith("u8") else np.float32
    return np.frombuffer(bytes(data), dtype).reshape(SIDE, SIDE, 4).copy()


def merged(image):
    dup = image.duplicate()
    try:
        layer = dup.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
        return read(layer, FLOAT)
    finally:
        dup.delete()


def centres(rgba, grid):
    cell = SIDE // grid
    return [[int(v) for v in rgba[r * cell + cell // 2, c * cell + cell // 2]]
            for r in range(grid) for c in range(grid)]


def run_case(case, palette, grid):
    name, precision, kind, mode = case
    icc = profile(kind)
    forward, reverse = list(range(grid * grid)), list(range(grid * grid))[::-1]
    ref_api, ref_api_layer = make_image(blocks(palette, grid, forward), precision, icc, mode)
    ref_layer, ref_layer_layer = make_image(blocks(palette, grid, reverse), precision, icc, mode)
    facts = {"expected_api": centres(read(ref_api_layer), grid),
             "expected_layer": centres(read(ref_layer_layer), grid),
             "precision": repr(ref_api.get_precision())}
    ref_api.delete()
    ref_layer.delete()

    image, layer = make_image(blocks(palette, grid, reverse), precision, icc, mode)
    result = call("plug-in-openai-images-generate", image, [layer], prompt="colour blocks",
                  count=1)
    new = image.get_layers()[0]
    facts["generate"] = {"call": result, "new": new.get_name() != "painted",
                         "cells": centres(read(new), grid)}
    image.delete()

    image, layer = make_image(blocks(palette, grid, reverse), precision, icc, mode)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, *SELECTION)
    before, source = merged(image), read(layer, FLOAT)
    # GIMP's own composite of the same stack with an empty layer on top: in some
    # precisions and profiles any added layer moves the merged pixels a little, so
    # "unchanged outside" means "as with a layer that adds nothing there".
    dup = image.duplicate()
    empty = Gimp.Layer.new(dup, "empty", SIDE, SIDE, Gimp.ImageType.RGBA_IMAGE, 100.0,
                           Gimp.LayerMode.NORMAL)
    dup.insert_layer(empty, None, 0)
    with_empty = merged(dup)
    dup.delete()
    asked = len(images_requests())
    result = call("plug-in-openai-images-edit", image, [layer], prompt="colour blocks",
                  whole_image=True)
    Gimp.Selection.none(image)
    new = image.get_layers()[0]
    after = merged(image)
    x, y, w, h = SELECTION
    outside = np.ones((SIDE, SIDE), bool)
    outside[y:y + h, x:x + w] = False
    new_float = read(new, FLOAT)
    sent = [r for r in images_requests()[asked:] if r["endpoint"] == "edits"]
    facts["edit"] = {
        "call": result,
        "new": new.get_name() != "painted",
        "cells": centres(read(new), grid),
        "outside_alpha_max": float(new_float[..., 3][outside].max()),
        "outside_changed": int((after != with_empty).any(axis=-1)[outside].sum()),
        "empty_layer_shift": float(np.abs(with_empty - before).max()),
        "source_changed": int((read(layer, FLOAT) != source).any(axis=-1).sum()),
        "upload_cells": [f.get("cells") for f in sent[0]["files"] if f["name"].startswith("image")]
        if sent else None,
        "requests": len(sent),
    }
    image.delete()
    return facts


def run(out):
    order = standin("picture", {"kind": "blocks"})
    palette, grid = [tuple(c) for c in order["palette"]], order["grid"]
    facts = {"gimp": Gimp.version(), "grid": grid, "cases": {}, "missing": []}
    try:
        for case in CASES:
            try:
                facts["cases"][case[0]] = run_case(case, palette, grid)
            except FileNotFoundError as missing:
                facts["missing"].append([case[0], str(missing)])
            except Exception:
                facts["cases"][case[0]] = {"error": traceback.format_exc()}
    finally:
        standin("picture", {"kind": None})
    return facts
