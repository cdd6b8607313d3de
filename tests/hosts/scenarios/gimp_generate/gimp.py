"""GIMP generate: a new layer from a prompt over the selection's box (count 2), and over
the whole canvas when nothing is selected (count 1), non-interactively."""

import json
import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402
from gimp_calls import call, layers  # noqa: E402 (tests/hosts/inhost)

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
    # the same image through GIMP's PNG export with its "include XMP" option on, as a
    # user's export dialog offers it: the XMP our procedure put on the image is written
    export = Gimp.get_pdb().lookup_procedure("file-png-export")
    config = export.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_property("file", Gio.File.new_for_path(os.path.join(out, "generate-xmp.png")))
    config.set_property("include-xmp", True)
    facts["xmp_export"] = export.run(config).index(0) == Gimp.PDBStatusType.SUCCESS
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
    facts["pixel_engines"] = sidecar_engines()
    facts["bundle"] = os.environ.get("HARNESS_BUNDLE", "linux-x86_64")
    return facts


def sidecar_engines() -> list[str]:
    """The pixel engine each history sidecar of this profile names (issue 16)."""
    import glob

    root = os.environ.get("OPENAI_IMAGES_DATA_DIR", "")
    found = []
    for path in glob.glob(os.path.join(root, "**", "*.json"), recursive=True):
        try:
            with open(path, encoding="utf-8") as f:
                meta = json.load(f).get("meta")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(meta, dict):
            found.append(meta.get("pixel_engine", ""))
    return found
