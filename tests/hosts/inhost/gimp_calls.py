"""What GIMP scenarios share: calling our procedures non-interactively, and listing layers.

Importable from a scenario's gimp.py (`from gimp_calls import call, layers`): gimp_batch.py
puts this folder on sys.path before it runs the scenario. Runs inside GIMP only.
"""

import json

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402


def layers(image):
    """The image's top-level layers: name, visibility, offsets, size and bytes per pixel."""
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
                "bpp": layer.get_bpp(),
            }
        )
    return out


def call(name, image, drawables, **values):
    """Run procedure `name` as a script would; success with its count and JSON report, or
    the status and GIMP's error message."""
    procedure = Gimp.get_pdb().lookup_procedure(name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", drawables)
    for key, value in values.items():
        config.set_property(key, value)
    result = procedure.run(config)
    if result.index(0) == Gimp.PDBStatusType.SUCCESS:
        report = json.loads(result.index(2))
        return {"success": True, "count": result.index(1), "report": report, "message": None}
    return {
        "success": False,
        "status": repr(result.index(0)),
        "message": result.index(1) if result.length() > 1 else None,
    }
