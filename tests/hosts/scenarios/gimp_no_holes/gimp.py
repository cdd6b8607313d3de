"""No holes in an edit (issue 12), in real GIMP, through plug-in-openai-images-edit.

An opaque patterned RGBA layer over the whole canvas, a hard rectangular
selection inside it, and a stand-in told to punch 21.7 % alpha-0 pixels into
every edit result whatever background was asked (POST /_standin/holes). Two
cases, each on a fresh image, each a non-interactive call of the edit procedure:

- default: background left at Auto. The core must ask for "opaque" and keep the
  new layer at least as opaque as the source: alpha 255 over the whole
  selection, and the flattened image there is the new layer's pixels.
- transparent: background "transparent" (the procedure's argument; the
  procedure has no output-format argument, so the API's png is what comes back).
  The transparency that was asked for is kept: alpha-0 pixels in the selection.

The stand-in's own log (GET /_standin/requests) says what it received (the form
fields, the file parts) and the alpha-0 share of what it sent back.
Exports per case: before/after PNGs, the new layer alone as canvas-sized RGBA
(.bin) and the selection's coverage (.bin), for check.py to compare again.
"""

import os
import sys
import traceback

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402
from gimp_calls import call, layers  # noqa: E402 (tests/hosts/inhost)
from standin_control import images_requests, standin  # noqa: E402 (tests/hosts/inhost)

# numpy from the plug-in's vendored folders (or the harness's, for the Windows bundle)
sys.path.insert(0, os.path.join(Gimp.directory(), "plug-ins", "openai-images"))
from openai_images import _vendor  # noqa: E402

_vendor.activate()
from harness_numpy import load  # noqa: E402 (tests/hosts/inhost)

np = load()

W, H = 160, 120
SELECTION = (40, 30, 70, 50)  # x, y, w, h: inside the layer, away from its edges
HOLES = 0.217
PROMPT = "a red umbrella"
# Little context, so the selection is a large share of the image sent: the forced holes
# (21.7 % of that image, the edited area first) then fall inside the selection, and
# cover only part of it (in the transparent case the rest is painted).
PADDING = 16
EDIT = "plug-in-openai-images-edit"


def pattern():
    """Opaque stripes and gradients: no two neighbours alike, alpha 255 everywhere."""
    y, x = np.mgrid[0:H, 0:W]
    pixels = np.stack([(x * 3) & 255, (y * 5) & 255, (x ^ y) & 255, np.full_like(x, 255)], -1)
    return pixels.astype(np.uint8)


def make_image():
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    paint = Gimp.Layer.new(
        image, "paint", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(paint, None, 0)
    paint.get_buffer().set(Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", pattern().tobytes())
    return image, paint


def read(drawable, x, y, w, h):
    data = drawable.get_buffer().get(
        Gegl.Rectangle.new(x, y, w, h), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.NONE
    )
    return np.frombuffer(data, np.uint8).reshape(h, w, 4).copy()


def on_canvas(layer):
    """The layer's pixels placed on a transparent canvas-sized RGBA array."""
    canvas = np.zeros((H, W, 4), np.uint8)
    ok, ox, oy = layer.get_offsets()
    lw, lh = layer.get_width(), layer.get_height()
    pixels = read(layer, 0, 0, lw, lh)
    x0, y0, x1, y1 = max(ox, 0), max(oy, 0), min(ox + lw, W), min(oy + lh, H)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = pixels[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    return canvas


def flattened(image):
    dup = image.duplicate()
    merged = dup.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
    pixels = on_canvas(merged)
    dup.delete()
    return pixels


def export(image, path):
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(path), None)


def run_case(out, case, **values):
    image, paint = make_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, *SELECTION)
    sel = (
        image.get_selection()
        .get_buffer()
        .get(Gegl.Rectangle.new(0, 0, W, H), 1.0, "Y u8", Gegl.AbyssPolicy.NONE)
    )
    coverage = np.frombuffer(sel, np.uint8).reshape(H, W).copy()
    before = flattened(image)
    source_before = read(paint, 0, 0, W, H)
    layers_before = layers(image)
    ids_before = {layer.get_id() for layer in image.get_layers()}
    export(image, os.path.join(out, f"{case}-before.png"))
    wire_before = len(images_requests())
    answered_before = len([r for r in standin("requests") if r["endpoint"] == "edits"])

    called = call(
        EDIT, image, [paint], prompt=PROMPT, count=1, **{"context-padding": PADDING}, **values
    )

    new_layers = [layer for layer in image.get_layers() if layer.get_id() not in ids_before]
    after = flattened(image)
    export(image, os.path.join(out, f"{case}-after.png"))
    new = on_canvas(new_layers[0]) if new_layers else np.zeros((H, W, 4), np.uint8)
    inside, outside = coverage == 255, coverage == 0
    alpha = new[..., 3]
    flat_differs = (after != new).any(axis=-1)
    changed = (after != before).any(axis=-1)
    edits = [r for r in standin("requests") if r["endpoint"] == "edits"][answered_before:]
    facts = {
        "call": called,
        "layers_before": layers_before,
        "layers_after": layers(image),
        "new_layers": [layer.get_name() for layer in new_layers],
        "new_has_alpha": bool(new_layers and new_layers[0].has_alpha()),
        "inside_pixels": int(inside.sum()),
        "outside_pixels": int(outside.sum()),
        "soft_pixels": int(((coverage > 0) & (coverage < 255)).sum()),
        "coverage_box": _box(inside),
        "inside_alpha_min": int(alpha[inside].min()) if inside.any() else None,
        "inside_alpha_below_255": int((alpha[inside] < 255).sum()),
        "inside_alpha_0": int((alpha[inside] == 0).sum()),
        "inside_flat_differs_from_new": int(flat_differs[inside].sum()),
        "inside_changed": int(changed[inside].sum()),
        "outside_changed": int(changed[outside].sum()),
        "source_unchanged": bool(np.array_equal(read(paint, 0, 0, W, H), source_before)),
        "wire": images_requests()[wire_before:],
        "standin_edits": edits,
    }
    with open(os.path.join(out, f"{case}-new-layer.bin"), "wb") as f:
        f.write(new.tobytes())
    with open(os.path.join(out, f"{case}-coverage.bin"), "wb") as f:
        f.write(coverage.tobytes())
    image.delete()
    return facts


def _box(mask):
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return [
        int(xs.min()),
        int(ys.min()),
        int(xs.max() - xs.min() + 1),
        int(ys.max() - ys.min() + 1),
    ]


def run(out):
    facts = {"gimp": Gimp.version(), "selection": list(SELECTION), "holes_fraction": HOLES}
    facts["holes_order"] = standin("holes", {"fraction": HOLES})
    try:
        for case, values in (("default", {}), ("transparent", {"background": "transparent"})):
            try:
                facts[case] = run_case(out, case, **values)
            except Exception:
                facts[case] = {"error": traceback.format_exc()}
    finally:
        standin("holes", {"fraction": 0})
    wire = facts["default"].get("wire") or [{}]
    facts["background_received_default"] = wire[0].get("fields", {}).get("background")
    return facts
