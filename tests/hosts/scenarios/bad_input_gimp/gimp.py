"""The bad-input matrix in real GIMP: awkward images, selections, layers and requests.

Each case builds a fresh image, runs one of our procedures non-interactively and
records: success or the message, the layers before and after, whether every
pixel of every layer that existed before is unchanged, and how many requests the
stand-in received for that case (read from its log through the control route).
check.py decides what each case must give: a clear message with the image
unchanged, or a correct result. Already covered elsewhere, so not repeated:
no selection on an opaque layer and an unknown model id (gimp_errors), 16-bit
linear and indexed images and an offset layer (gimp_edit).
"""

import json
import os
import urllib.request

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402
from gimp_calls import call  # noqa: E402 (tests/hosts/inhost)

W, H = 96, 64
EDIT = "plug-in-openai-images-edit"
GENERATE = "plug-in-openai-images-generate"


def standin(path, order=None):
    """The stand-in's control route: queue a fault, or read the request log."""
    root = os.environ["OPENAI_BASE_URL"].rsplit("/v1", 1)[0]
    data = json.dumps(order).encode() if order is not None else None
    request = urllib.request.Request(f"{root}/_standin/{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")


def request_count():
    log = standin("requests")
    return len(log if isinstance(log, list) else log.get("requests", []))


def new_image(base=Gimp.ImageBaseType.RGB, w=W, h=H, fill=(30, 60, 90, 255)):
    image = Gimp.Image.new(w, h, base)
    kind = (
        Gimp.ImageType.GRAYA_IMAGE if base == Gimp.ImageBaseType.GRAY else Gimp.ImageType.RGBA_IMAGE
    )
    layer = Gimp.Layer.new(image, "photo", w, h, kind, 100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    pixels = []
    for y in range(h):
        for x in range(w):
            pixels += [(fill[0] + x * 2) & 255, (fill[1] + y * 3) & 255, fill[2], fill[3]]
    layer.get_buffer().set(Gegl.Rectangle.new(0, 0, w, h), "R'G'B'A u8", bytes(pixels))
    return image, layer


def all_layers(items):
    out = []
    for item in items:
        out.append(item)
        if hasattr(item, "get_children") and item.is_group():
            out += all_layers(item.get_children())
    return out


def state(image):
    """Names, geometry and pixels (at the image's own precision) of every layer."""
    out = []
    for layer in all_layers(image.get_layers()):
        ok, x, y = layer.get_offsets()
        w, h = layer.get_width(), layer.get_height()
        pixels = layer.get_buffer().get(
            Gegl.Rectangle.new(0, 0, w, h), 1.0, "RGBA float", Gegl.AbyssPolicy.NONE
        )
        out.append((layer.get_name(), x, y, w, h, layer.get_visible(), bytes(pixels)))
    return out


def attempt(image, name, drawables, fault=None, **values):
    """Run one procedure and collect the facts check.py needs."""
    before = state(image)
    sent_before = request_count()
    if fault:
        standin("faults", {"name": fault, "count": 1, "params": {}})
    facts = call(name, image, drawables, **values)
    after = state(image)
    facts["sent"] = request_count() - sent_before
    facts["unchanged"] = after == before
    facts["old_layers_kept"] = all(layer in after for layer in before)
    facts["new_layers"] = [
        {"name": n, "x": x, "y": y, "w": w, "h": h}
        for (n, x, y, w, h, _v, _p) in after
        if (n, x, y, w, h) not in {(b[0], b[1], b[2], b[3], b[4]) for b in before}
    ]
    image.delete()
    return facts


def case_empty_selection():
    image, layer = new_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 10, 30, 20)
    image.select_rectangle(Gimp.ChannelOps.SUBTRACT, 10, 10, 30, 20)
    return attempt(image, EDIT, [layer], prompt="a cat")


def case_selection_outside_layer():
    image, _ = new_image()
    small = Gimp.Layer.new(
        image, "small", 30, 20, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(small, None, 0)
    small.get_buffer().set(
        Gegl.Rectangle.new(0, 0, 30, 20), "R'G'B'A u8", bytes([9, 9, 9, 255]) * 600
    )
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 60, 40, 30, 20)
    return attempt(image, EDIT, [small], prompt="a cat")


def case_precision(precision):
    image, layer = new_image()
    image.convert_precision(precision)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], prompt="a red balloon")


def case_grey():
    image, layer = new_image(Gimp.ImageBaseType.GRAY)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], prompt="a red balloon")


def case_group_active():
    image, layer = new_image()
    group = (
        Gimp.GroupLayer.new(image, "group")
        if hasattr(Gimp, "GroupLayer")
        else Gimp.Layer.group_new(image)
    )
    image.insert_layer(group, None, 0)
    inner = Gimp.Layer.new(
        image, "inner", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(inner, group, 0)
    inner.get_buffer().set(
        Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", bytes([200, 10, 10, 255]) * (W * H)
    )
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [group], prompt="a red balloon")


def case_one_pixel(procedure):
    image, layer = new_image(w=1, h=1)
    if procedure == EDIT:
        Gimp.Selection.all(image)
    return attempt(image, procedure, [layer], prompt="a dot")


def case_request(fault=None, **values):
    image, layer = new_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], fault=fault, **{"prompt": "a cat", **values})


CASES = {
    "empty_selection": case_empty_selection,
    "selection_outside_layer": case_selection_outside_layer,
    "u16_perceptual": lambda: case_precision(Gimp.Precision.U16_NON_LINEAR),
    "float32_linear": lambda: case_precision(Gimp.Precision.FLOAT_LINEAR),
    "grey": case_grey,
    "group_layer_active": case_group_active,
    "one_pixel_generate": lambda: case_one_pixel(GENERATE),
    "one_pixel_edit": lambda: case_one_pixel(EDIT),
    "prompt_over_limit": lambda: case_request(prompt="x" * 32_001),
    "size_not_accepted": lambda: case_request(size="1000x1000"),
    "http_401": lambda: case_request(fault="401"),
    "moderation_blocked": lambda: case_request(fault="moderation_blocked"),
}


def run(out):
    facts = {}
    for name, case in CASES.items():
        try:
            facts[name] = case()
        except Exception as exc:  # one broken case must not hide the others
            facts[name] = {"crash": repr(exc)}
    return facts
