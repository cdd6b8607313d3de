"""GIMP generate: a new layer from a prompt over the selection's box (count 2), and over
the whole canvas when nothing is selected (count 1), non-interactively."""

import json
import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

W, H = 160, 120


def make_image():
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    background = Gimp.Layer.new(
        image, "Background", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(background, None, 0)
    background.get_buffer().set(
        Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", bytes([255, 255, 255, 255]) * (W * H)
    )
    return image, background


def layers(image):
    out = []
    for layer in image.get_layers():
        ok, x, y = layer.get_offsets()
        out.append(
            {
                "name": layer.get_name(),
                "visible": layer.get_visible(),
                "x": x,
                "y": y,
                "w": layer.get_width(),
                "h": layer.get_height(),
            }
        )
    return out


def call(name, image, drawables, **values):
    procedure = Gimp.get_pdb().lookup_procedure(name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", drawables)
    for key, value in values.items():
        config.set_property(key, value)
    result = procedure.run(config)
    if result.index(0) == Gimp.PDBStatusType.SUCCESS:
        return {"success": True, "count": result.index(1), "report": json.loads(result.index(2))}
    return {
        "success": False,
        "status": repr(result.index(0)),
        "message": result.index(1) if result.length() > 1 else None,
    }


def run(out):
    facts = {}
    image, background = make_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 16, 96, 64)
    facts["selection"] = {
        "call": call(
            "plug-in-openai-images-generate",
            image,
            [background],
            prompt="a lighthouse at dusk",
            count=2,
        ),
        "layers": layers(image),
    }
    Gimp.Selection.none(image)
    Gimp.file_save(
        Gimp.RunMode.NONINTERACTIVE,
        image,
        Gio.File.new_for_path(os.path.join(out, "generate.png")),
        None,
    )
    image.delete()

    image, background = make_image()
    facts["canvas"] = {
        "call": call(
            "plug-in-openai-images-generate",
            image,
            [background],
            prompt="a field of poppies",
            count=1,
        ),
        "layers": layers(image),
    }
    image.delete()

    # the settings procedure, non-interactive: the stored settings, the key only masked
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-openai-images-settings")
    result = procedure.run(procedure.create_config())
    report = json.loads(result.index(1)) if result.length() > 1 else None
    key = os.environ.get("OPENAI_API_KEY", "")
    facts["settings"] = {
        "success": result.index(0) == Gimp.PDBStatusType.SUCCESS,
        "report": report,
        # compared here, so the key itself never lands in result.json (the leak scan reads it)
        "key_set": bool(key),
        "report_shows_key": bool(key) and key in json.dumps(report),
    }
    return facts
