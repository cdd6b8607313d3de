"""GIMP error paths: the run fails with one clear message and the image is unchanged.

- an API refusal: a model id the server does not know (the stand-in answers 404
  model_not_found), through the whole stack: HTTP error -> core error -> message;
- an edit with neither a selection nor transparent pixels (refused before sending).
Until the stand-in can be told from inside a host to answer 401 or
moderation_blocked, those two are covered by tests/test_gimp_helpers.py only.
"""

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

W, H = 96, 64


def state(image):
    layers = [(layer.get_name(), layer.get_visible()) for layer in image.get_layers()]
    pixels = (
        image.get_layers()[-1]
        .get_buffer()
        .get(Gegl.Rectangle.new(0, 0, W, H), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.NONE)
    )
    return layers, pixels


def call(image, layer, **values):
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-openai-images-edit")
    config = procedure.create_config()
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    for key, value in values.items():
        config.set_property(key.replace("_", "-"), value)
    result = procedure.run(config)
    return {
        "success": result.index(0) == Gimp.PDBStatusType.SUCCESS,
        "message": result.index(1) if result.length() > 1 else None,
    }


def run(out):
    facts = {}
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(
        image, "photo", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(layer, None, 0)
    layer.get_buffer().set(
        Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", bytes([30, 60, 90, 255]) * (W * H)
    )
    before = state(image)
    facts["nothing_to_edit"] = call(image, layer, prompt="a cat")
    facts["nothing_to_edit"]["unchanged"] = state(image) == before
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 10, 40, 30)
    facts["unknown_model"] = call(image, layer, prompt="a cat", custom_model="no-such-model-x")
    facts["unknown_model"]["unchanged"] = state(image) == before
    image.delete()
    return facts
