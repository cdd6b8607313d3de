"""GIMP variations of the active layer (count 2) and of the visible image (sample merged)."""

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402
from gimp_calls import call, layers  # noqa: E402 (tests/hosts/inhost)

W, H = 128, 96


def make_image():
    image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(
        image, "photo", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(layer, None, 0)
    data = bytes(v for y in range(H) for x in range(W) for v in (x * 2, y * 2, 128, 255))
    layer.get_buffer().set(Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", data)
    before = layer.get_buffer().get(
        Gegl.Rectangle.new(0, 0, W, H), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.NONE
    )
    return image, layer, before


def run(out):
    facts = {}
    for case, merged in (("layer", False), ("visible", True)):
        image, layer, before = make_image()
        called = call(
            "plug-in-openai-images-variations", image, [layer], count=2, **{"sample-merged": merged}
        )
        after = layer.get_buffer().get(
            Gegl.Rectangle.new(0, 0, W, H), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.NONE
        )
        facts[case] = {"call": called, "layers": layers(image), "source_untouched": before == after}
        image.delete()
    return facts
